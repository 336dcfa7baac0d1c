"""The bench's sweeps for issues 10 and 11, their heatmap and the targets table.

Every case here is an ordinary bench case (``_bench._case``), timed by
``_bench._run_case``; a case may carry its own ``budget`` (seconds per
participant) and ``skipped`` notes (participants left out because one call
would take longer than the bench can afford).  Rows are tagged:

- ``grid``: ``same`` mode, N x N (*) K x K, N = 32 ... 4000, K = 3, 5, 9,
  float32, float64 and uint8 (tags: grid, dtype, N, K), against
  cv2.filter2D (and scipy.signal.convolve2d for small N).  uint8 compares
  equal outputs: the image holds 0 ... 255 // sum(kernel) and the kernel
  small non-negative integers, so no output wraps modulo 256 (ndkern and
  NumPy) or saturates (cv2 keeps uint8 by saturating).
- ``threads``: the default thread count against one thread.
- ``stack`` (in ``_bench``, the batched row) and ``lean`` (per-call rows), if
  present, feed their targets; a target without rows says "not measured".
- ``sweep``: 1000 x 1000 (*) K x K, K = 3 ... 255,
  ``method='auto'``, against cv2.filter2D, scipy's fftconvolve and
  oaconvolve.  ``auto-vs``: 'auto' against ndkern's own 'direct' and 'fft'.
  ``large``: 2000^2 (*) 127^2 and 4000^2 (*) 63^2.
"""

import math
from typing import Dict, List, Optional, Tuple

import numpy as np

import ndkern
from ._bench import _case

GRID_SIZES = (32, 64, 128, 256, 512, 1000, 2000, 4000)
GRID_SIZES_QUICK = (32, 256, 1000, 2000)
GRID_KERNELS = (3, 5, 9)
GRID_KERNELS_QUICK = (3,)
GRID_DTYPES = ("float32", "float64", "uint8")
# Seconds per participant of a grid cell: 72 cells stay within a minute or two.
GRID_BUDGET = 0.15
# scipy.signal.convolve2d joins the grid up to this N (it is 10-100x slower).
SCIPY_DIRECT_MAX_N = 256
# A direct-method participant whose one call would take longer than
# SKIP_SECONDS is skipped with a note.  The estimate divides its flops by a
# rate no run on this class of machine reached (ndkern's direct method:
# 100 GFLOP/s; scipy.signal.convolve2d: 2 GFLOP/s), so a skip is certain.
SKIP_SECONDS = 0.5
OPTIMISTIC_FLOPS = {"ndkern direct": 100e9, "scipy.signal.convolve2d": 2e9}


def _same_flops(n, k):
    return 2.0 * n * n * k * k


def _skip_note(participant, flops):
    """'' if a direct call of `flops` may fit SKIP_SECONDS, else the note."""
    rate = OPTIMISTIC_FLOPS[participant]
    if flops / rate <= SKIP_SECONDS:
        return ""
    return (f"skipped: > {SKIP_SECONDS:g} s per call ({flops / 1e9:.1f} GFLOP at "
            f"<= {rate / 1e9:g} GFLOP/s)")


def same_peers(peers, f, g, *, scipy_direct=True, ffts=True):
    """Peers computing convolve2d(f, g, 'same') (odd K: centred)."""
    scipy, cv2 = peers["scipy"], peers["cv2"]
    out = {}
    if cv2 is not None:
        # filter2D correlates; the flipped kernel, anchored at its centre
        # with zero borders, gives the centred 'same' convolution.
        flipped = np.ascontiguousarray(g[::-1, ::-1])
        if f.dtype == np.uint8:
            flipped = flipped.astype(np.float32)
        out["cv2.filter2D"] = lambda: cv2.filter2D(f, -1, flipped,
                                                   borderType=cv2.BORDER_CONSTANT)
    if scipy is not None and ffts and f.dtype.kind == "f":
        out["scipy.signal.fftconvolve"] = lambda: scipy.fftconvolve(f, g, mode="same")
        out["scipy.signal.oaconvolve"] = lambda: scipy.oaconvolve(f, g, mode="same")
    if scipy is not None and scipy_direct:
        out["scipy.signal.convolve2d"] = lambda: scipy.convolve2d(f, g, mode="same")
    return out


def _grid_arrays(rng, dtype, n, k):
    if dtype == "uint8":
        g = rng.integers(0, 3, (k, k)).astype(np.uint8)
        top = 255 // max(1, int(g.sum(dtype=np.int64)))
        f = rng.integers(0, top + 1, (n, n)).astype(np.uint8)
        return f, g
    return (rng.standard_normal((n, n)).astype(dtype),
            rng.standard_normal((k, k)).astype(dtype))


def grid_cases(peers, quick):
    """Issue 10's size sweep: every (dtype, N, K) of the grid, 'same' mode."""
    rng = np.random.default_rng(3)
    sizes = GRID_SIZES_QUICK if quick else GRID_SIZES
    kernels = GRID_KERNELS_QUICK if quick else GRID_KERNELS
    cases = []
    for dtype in GRID_DTYPES:
        for n in sizes:
            for k in kernels:
                f, g = _grid_arrays(rng, dtype, n, k)
                case = _case(f"{dtype} N={n} K={k}", _same_flops(n, k),
                             lambda f=f, g=g: ndkern.convolve2d(f, g, mode="same"),
                             same_peers(peers, f, g, scipy_direct=n <= SCIPY_DIRECT_MAX_N,
                                        ffts=False),
                             tags=("grid", dtype, n, k))
                case["budget"] = GRID_BUDGET
                cases.append(case)
    return cases


def threads_cases(peers):
    """Default threads against one thread, back-to-back 1000^2 (*) 3x3 'same'."""
    rng = np.random.default_rng(4)
    cases = []
    for dtype in ("float32", "float64"):
        f, g = _grid_arrays(rng, dtype, 1000, 3)

        def one_thread(f=f, g=g):
            with ndkern.threads(1):
                return ndkern.convolve2d(f, g, mode="same")
        cases.append(_case(f"{dtype} 1000^2 3x3 threads",
                           _same_flops(1000, 3),
                           lambda f=f, g=g: ndkern.convolve2d(f, g, mode="same"),
                           {"ndkern, 1 thread": one_thread}, tags=("threads", dtype)))
    return cases


def ksweep_cases(peers, kernels, size=1000, tag="sweep", dtypes=("float32", "float64")):
    """Issue 11's K sweep: method='auto', 'same', against cv2 and scipy's FFTs."""
    rng = np.random.default_rng(1)
    cases = []
    for dtype in dtypes:
        f = rng.standard_normal((size, size)).astype(dtype)
        for k in kernels:
            g = rng.standard_normal((k, k)).astype(dtype)
            flops = _same_flops(size, k)
            note = _skip_note("scipy.signal.convolve2d", flops)
            case = _case(f"{dtype} K={k} auto" if size == 1000 else
                         f"{dtype} {size}^2 K={k} auto", flops,
                         lambda f=f, g=g: ndkern.convolve2d(f, g, mode="same", method="auto"),
                         same_peers(peers, f, g, scipy_direct=not note),
                         tags=(tag, dtype, k, size))
            if note:
                case["skipped"] = {"scipy.signal.convolve2d": note}
            cases.append(case)
    return cases


def _relative_error(case):
    """max |fft - direct| / max |direct|, or a note."""
    direct = case["peers"].get("ndkern direct")
    if direct is None:
        return "-"
    exact, approximate = direct(), case["peers"]["ndkern fft"]()
    error = float(np.max(np.abs(approximate - exact)) / np.max(np.abs(exact)))
    case["fft_error"] = error
    return f"fft vs direct: max error {error:.1e} of max|h|"


def auto_vs_cases(peers, kernels):
    """'auto' against the better of ndkern's 'direct' and 'fft', 1000^2."""
    rng = np.random.default_rng(5)
    cases = []
    for dtype in ("float32", "float64"):
        f = rng.standard_normal((1000, 1000)).astype(dtype)
        for k in kernels:
            g = rng.standard_normal((k, k)).astype(dtype)
            flops = _same_flops(1000, k)
            note = _skip_note("ndkern direct", flops)
            run = {m: (lambda m=m, f=f, g=g: ndkern.convolve2d(f, g, mode="same", method=m))
                   for m in ("auto", "direct", "fft")}
            mine = {"ndkern fft": run["fft"]}
            if not note:
                mine = {"ndkern direct": run["direct"], **mine}
            case = _case(f"{dtype} K={k} auto vs", flops, run["auto"], mine,
                         tags=("auto-vs", dtype, k))
            case["check"] = lambda case=case: _relative_error(case)
            if note:
                case["skipped"] = {"ndkern direct": note}
            cases.append(case)
    return cases


# ------------------------------------------------------------------ heatmap

def grid_ratios(results, dtype) -> Tuple[List[int], List[int], np.ndarray]:
    """Sizes, kernel sizes and the ratio to the best peer of the grid's
    `dtype` cells (NaN where a cell was not run)."""
    cells = {(int(r["tags"][2]), int(r["tags"][3])): best_ratio(r)
             for r in results if r["tags"][:2] == ["grid", dtype]}
    sizes = sorted({n for n, _ in cells})
    kernels = sorted({k for _, k in cells})
    grid = np.full((len(sizes), len(kernels)), np.nan)
    for (n, k), ratio in cells.items():
        if ratio is not None:
            grid[sizes.index(n), kernels.index(k)] = ratio
    return sizes, kernels, grid


def plot_heatmap(results, path):
    """One panel per dtype: ratio of the best peer's time to ndkern's."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    panels = [(d, *grid_ratios(results, d)) for d in GRID_DTYPES]
    panels = [p for p in panels if p[1]]
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 5.5), squeeze=False)
    norm = LogNorm(vmin=0.25, vmax=4.0)
    for ax, (dtype, sizes, kernels, grid) in zip(axes[0], panels):
        image = ax.imshow(grid, cmap="RdYlGn", norm=norm, aspect="auto")
        ax.set_xticks(range(len(kernels)), [f"{k}x{k}" for k in kernels])
        ax.set_yticks(range(len(sizes)), [f"{n}²" for n in sizes])
        for i, j in np.ndindex(grid.shape):
            if not math.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8)
        ax.set_title(f"{dtype}, mode='same'")
        ax.set_xlabel("kernel")
    axes[0][0].set_ylabel("image")
    fig.subplots_adjust(wspace=0.35)
    bar = fig.colorbar(image, ax=axes[0].tolist(), label="best peer time / ndkern time")
    ticks = [0.25, 0.5, 1.0, 2.0, 4.0]
    bar.set_ticks(ticks, labels=[f"{t:g}×" for t in ticks])
    bar.ax.minorticks_off()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path}")


# ------------------------------------------------------------------ targets

def best_ratio(result, peer_contains: Optional[Tuple[str, ...]] = None):
    """Time of the fastest peer (whose name contains one of `peer_contains`,
    if given) over ndkern's time; None without such a peer."""
    seconds = result["seconds"]
    peers = [name for name in seconds if name != "ndkern" and
             (peer_contains is None or any(p in name for p in peer_contains))]
    if not peers:
        return None
    return min(seconds[p] for p in peers) / seconds["ndkern"]


def _tag_int(tags, index, default=None):
    try:
        return int(tags[index])
    except (IndexError, ValueError):
        return default


def _rows(results, tag, dtypes=None, sizes=None, kernels=None):
    """Results tagged `tag`; grid-style tags filtered by dtype, N and K."""
    out = []
    for r in results:
        t = r["tags"]
        if not t or t[0] != tag:
            continue
        if dtypes is not None and (len(t) < 2 or t[1] not in dtypes):
            continue
        if tag == "grid":
            n, k = _tag_int(t, 2), _tag_int(t, 3)
        else:  # sweep-style tags: tag, dtype, K, N (1000 unless given)
            k, n = _tag_int(t, 2), _tag_int(t, 3, 1000)
        if sizes is not None and n not in sizes:
            continue
        if kernels is not None and k not in kernels:
            continue
        out.append(r)
    return out


def _worst(rows, peer_contains=None):
    """(lowest ratio, its case) over rows, or (None, reason)."""
    ratios = [(best_ratio(r, peer_contains), r["case"]) for r in rows]
    ratios = [(v, c) for v, c in ratios if v is not None]
    if not ratios:
        return None, "not measured"
    return min(ratios)


_CV2 = ("cv2",)
_BIG_K_PEERS = ("cv2", "fftconvolve", "oaconvolve")
_FLOATS = ("float32", "float64")
# Issue, work, target text, the rows, which peers, the lowest ratio that meets it.
TARGETS = [
    (10, "1000² ⊛ 3×3 f32/f64, default threads vs 1 thread", "never slower",
     lambda rs: _rows(rs, "threads"), ("1 thread",), 1.0),
    (10, "1000² ⊛ 3×3 f32/f64, default threads", "≥ 1.3× cv2.filter2D",
     lambda rs: _rows(rs, "grid", _FLOATS, (1000,), (3,)), _CV2, 1.3),
    (10, "N = 64 … 4000, K = 3 and 5, f32/f64, same", "≥ 1.0× cv2.filter2D at every N",
     lambda rs: _rows(rs, "grid", _FLOATS, range(64, 4001), (3, 5)), _CV2, 1.0),
    (10, "32² ⊛ 3×3 float32, per call", "≤ 1.2× cv2.filter2D's time",
     lambda rs: _rows(rs, "grid", ("float32",), (32,), (3,)) + _rows(rs, "lean"), _CV2,
     1 / 1.2),
    (10, "10-element sum, per call", "≤ 1.0× np.sum's time",
     lambda rs: _rows(rs, "overhead"), ("numpy.sum",), 1.0),
    (10, "stack 2000×84² ⊛ 13² valid f32, one call", "≥ 5× a cv2.filter2D loop",
     lambda rs: _rows(rs, "stack"), _CV2, 5.0),
    (10, "stack 2000×84² ⊛ 13² valid f32, one call", "≥ 8× fftconvolve(axes)",
     lambda rs: _rows(rs, "stack"), ("fftconvolve",), 8.0),
    (10, "uint8 2000² ⊛ 3×3 same", "≥ 1.0× cv2.filter2D",
     lambda rs: _rows(rs, "grid", ("uint8",), (2000,), (3,)), _CV2, 1.0),
    (11, "1000² ⊛ K×K f32/f64, K = 3 … 255, auto, same", "≥ 1.0× best of cv2/fft/oa",
     lambda rs: _rows(rs, "sweep", _FLOATS), _BIG_K_PEERS, 1.0),
    (11, "1000² and 2000² ⊛ 127×127 f32/f64", "≥ 2× the best peer",
     lambda rs: _rows(rs, "sweep", _FLOATS, (1000,), (127,)) +
     _rows(rs, "large", _FLOATS, (2000,), (127,)), _BIG_K_PEERS, 2.0),
    (11, "4000² ⊛ 63×63 float32", "≥ 2× the best peer",
     lambda rs: _rows(rs, "large", ("float32",), (4000,), (63,)), _BIG_K_PEERS, 2.0),
    (11, "'auto' vs the better of 'direct' and 'fft'", "never more than 1.2× slower",
     lambda rs: _rows(rs, "auto-vs"), ("ndkern",), 1 / 1.2),
]


def target_rows(results) -> List[Dict[str, str]]:
    """One row per target: the lowest measured ratio (peer time / ndkern
    time) over its cases, the case, and met / missed."""
    rows = []
    for issue, work, target, select, peer_contains, threshold in TARGETS:
        value, where = _worst(select(results), peer_contains)
        if value is None:
            verdict, measured = "not measured", "-"
        else:
            verdict = "met" if value >= threshold else "missed"
            measured = f"{value:.2f}× ({where})"
        rows.append({"issue": str(issue), "work": work, "target": target,
                     "needs": f"≥ {threshold:.2f}×", "measured": measured,
                     "verdict": verdict})
    rows.append(_fft_error_row(results))
    return rows


# FFT error target (issue 11): of max|h|, by dtype.
FFT_ERROR_LIMITS = {"float64": 1e-12, "float32": 1e-4}


def _fft_error_row(results):
    errors = {d: [r["fft_error"] for r in _rows(results, "auto-vs", (d,)) if "fft_error" in r]
              for d in FFT_ERROR_LIMITS}
    if not any(errors.values()):
        measured, verdict = "-", "not measured"
    else:
        worst = {d: max(e) for d, e in errors.items() if e}
        measured = ", ".join(f"{d} {e:.1e}" for d, e in worst.items())
        verdict = "met" if all(e <= FFT_ERROR_LIMITS[d] for d, e in worst.items()) else "missed"
    return {"issue": "11", "work": "FFT error vs direct, random normal, 1000²",
            "target": "≤ 1e-12 (f64) / 1e-4 (f32) of max|h|", "needs": "",
            "measured": measured, "verdict": verdict}


def format_targets(rows) -> str:
    """The targets table as aligned text: ratio = peer time / ndkern time."""
    columns = ("issue", "work", "target", "measured", "verdict")
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    lines = ["   " + "  ".join(c.ljust(widths[c]) for c in columns)]
    for r in rows:
        lines.append("   " + "  ".join(r[c].ljust(widths[c]) for c in columns))
    return "\n".join(line.rstrip() for line in lines)
