"""The bench's pure parts: ratios, the targets table, the heatmap grid, skips,
and that its peers compute what ndkern computes (no timings)."""

import math

import numpy as np
import pytest

import ndkern
from ndkern import _bench, _bench_grid as grid


def result(case, tags, ndkern_seconds, **peers):
    return {"case": case, "tags": [str(t) for t in tags],
            "seconds": {"ndkern": ndkern_seconds, **peers}}


def test_best_ratio_takes_the_fastest_matching_peer():
    r = result("x", ("grid", "float32", 64, 3), 2.0,
               **{"cv2.filter2D": 3.0, "scipy.signal.convolve2d": 1.0})
    assert grid.best_ratio(r) == 0.5
    assert grid.best_ratio(r, ("cv2",)) == 1.5
    assert grid.best_ratio(r, ("numba",)) is None
    assert grid.best_ratio(result("alone", ("grid",), 1.0)) is None


def rows_by_target(rows):
    return {(r["work"], r["target"]): r for r in rows}


def test_targets_report_the_lowest_ratio_and_the_verdict():
    results = [
        result("float32 N=64 K=3", ("grid", "float32", 64, 3), 1.0, **{"cv2.filter2D": 1.5}),
        result("float64 N=4000 K=5", ("grid", "float64", 4000, 5), 1.0,
               **{"cv2.filter2D": 0.9}),
        # Outside the target's N and K: must not count.
        result("float32 N=32 K=9", ("grid", "float32", 32, 9), 1.0, **{"cv2.filter2D": 0.1}),
        result("uint8 N=2000 K=3", ("grid", "uint8", 2000, 3), 1.0, **{"cv2.filter2D": 1.25}),
        result("t", ("threads", "float32"), 1.0, **{"ndkern, 1 thread": 1.0}),
        # The stack row (tag "stack"): each target reads its own peer.
        result("s", ("stack",), 1.0, **{"cv2.filter2D loop": 6.0,
                                         "scipy.signal.fftconvolve(axes=(1, 2))": 7.0,
                                         "ndkern 2-D loop": 1.2}),
        result("a", ("auto-vs", "float64", 63), 1.0,
               **{"ndkern direct": 3.0, "ndkern fft": 0.85}),
    ]
    results[-1]["fft_error"] = 2e-12
    rows = rows_by_target(grid.target_rows(results))
    every_n = rows[("N = 64 … 4000, K = 3 and 5, f32/f64, same",
                    "≥ 1.0× cv2.filter2D at every N")]
    assert every_n["verdict"] == "missed"
    assert every_n["measured"] == "0.90× (float64 N=4000 K=5)"
    uint8 = rows[("uint8 2000² ⊛ 3×3 same", "≥ 1.0× cv2.filter2D")]
    assert (uint8["verdict"], uint8["measured"]) == ("met", "1.25× (uint8 N=2000 K=3)")
    threads = rows[("1000² ⊛ 3×3 f32/f64, default threads vs 1 thread", "never slower")]
    assert threads["verdict"] == "met"
    auto = rows[("'auto' vs the better of 'direct' and 'fft'", "never more than 1.2× slower")]
    assert auto["verdict"] == "met" and auto["measured"].startswith("0.85×")
    stack = rows[("stack 2000×84² ⊛ 13² valid f32, one call", "≥ 5× a cv2.filter2D loop")]
    assert (stack["verdict"], stack["measured"]) == ("met", "6.00× (s)")
    stack = rows[("stack 2000×84² ⊛ 13² valid f32, one call", "≥ 8× fftconvolve(axes)")]
    assert (stack["verdict"], stack["measured"]) == ("missed", "7.00× (s)")
    lean = rows[("32² ⊛ 3×3 float32, per call", "≤ 1.2× cv2.filter2D's time")]
    assert (lean["verdict"], lean["measured"]) == ("not measured", "-")
    error = [r for r in rows.values() if r["work"].startswith("FFT error")][0]
    assert error["verdict"] == "missed" and "float64 2.0e-12" in error["measured"]


def test_every_target_has_a_row_even_without_results():
    rows = grid.target_rows([])
    assert len(rows) == len(grid.TARGETS) + 1
    assert {r["verdict"] for r in rows} == {"not measured"}


def test_format_targets_aligns_columns():
    rows = grid.target_rows([result("uint8 N=2000 K=3", ("grid", "uint8", 2000, 3), 1.0,
                                    **{"cv2.filter2D": 2.0})])
    lines = grid.format_targets(rows).splitlines()
    assert len(lines) == len(rows) + 1
    column = lines[0].index("verdict")
    for line, row in zip(lines[1:], rows):
        assert line[column:].rstrip() == row["verdict"]
        assert row["work"] in line and row["target"] in line


def test_grid_ratios_fill_missing_cells_with_nan():
    results = [result("a", ("grid", "float32", 64, 3), 1.0, **{"cv2.filter2D": 2.0}),
               result("b", ("grid", "float32", 32, 5), 2.0, **{"cv2.filter2D": 1.0}),
               result("c", ("grid", "float64", 32, 9), 1.0, **{"cv2.filter2D": 1.0})]
    sizes, kernels, ratios = grid.grid_ratios(results, "float32")
    assert (sizes, kernels) == ([32, 64], [3, 5])
    assert ratios[1, 0] == 2.0 and ratios[0, 1] == 0.5
    assert math.isnan(ratios[0, 0]) and math.isnan(ratios[1, 1])


def test_slow_direct_participants_are_skipped_with_their_estimate():
    fast = 2.0 * 1000 * 1000 * 63 * 63       # 7.9 GFLOP: under 0.5 s at 100 GFLOP/s
    slow = 2.0 * 1000 * 1000 * 255 * 255     # 130 GFLOP
    assert grid._skip_note("ndkern direct", fast) == ""
    note = grid._skip_note("ndkern direct", slow)
    assert note.startswith("skipped: > 0.5 s per call") and "130.1 GFLOP" in note
    assert grid._skip_note("scipy.signal.convolve2d", fast) != ""


def test_heatmap_is_saved_next_to_the_plot():
    assert _bench._heatmap_path("/tmp/bench.png") == "/tmp/bench-heatmap.png"
    assert _bench._heatmap_path("out/bench") == "out/bench-heatmap.png"


@pytest.mark.parametrize("dtype", ["float32", "float64", "uint8"])
@pytest.mark.parametrize("k", [3, 5, 9])
def test_same_mode_peers_compute_ndkerns_result(dtype, k):
    cv2 = pytest.importorskip("cv2")
    from scipy import signal
    f, g = grid._grid_arrays(np.random.default_rng(k), dtype, 37, k)
    ours = ndkern.convolve2d(f, g, mode="same")
    peers = grid.same_peers({"cv2": cv2, "scipy": signal}, f, g)
    assert set(peers) >= {"cv2.filter2D", "scipy.signal.convolve2d"}
    for name, peer in peers.items():
        theirs = peer()
        assert theirs.shape == ours.shape, name
        if dtype == "uint8":
            # No output wraps or saturates: the exact sums, equal everywhere.
            exact = signal.convolve2d(f.astype(np.int64), g.astype(np.int64), mode="same")
            assert exact.max() <= 255
            np.testing.assert_array_equal(theirs, ours, err_msg=name)
        else:
            scale = np.abs(f).max() * np.abs(g).sum()
            np.testing.assert_allclose(theirs, ours, rtol=0,
                                       atol=50 * np.finfo(dtype).eps * scale, err_msg=name)
