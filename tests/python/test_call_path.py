"""The lean call path: cached convolution plans, cached shape/stride arrays,
the NULL fill for fillvalue=0 and the retry on overlap, each checked against
SciPy/NumPy for calls that hit and that miss the caches."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import signal

import ndkern
from ndkern import _arrays, _convolve
from ndkern_testing import C_DTYPES, assert_identical, assert_matches, views

FUNCTIONS = [(ndkern.convolve2d, signal.convolve2d), (ndkern.correlate2d, signal.correlate2d)]


@st.composite
def same_shape_layouts(draw):
    """Two or three views of one 2-D shape with different strides (contiguous,
    transposed copy, reversed, stepped) and possibly different dtypes: calls
    a stale plan keyed on the shape alone would get wrong."""
    dtype = draw(st.sampled_from(C_DTYPES))
    first = draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=6, finite=True))
    layouts = [first, np.ascontiguousarray(first), np.asfortranarray(first),
               np.ascontiguousarray(first[::-1, ::-1])[::-1, ::-1]]
    other = draw(st.sampled_from(C_DTYPES))
    layouts.append((np.arange(first.size) % 5).reshape(first.shape).astype(other))
    return draw(st.permutations(layouts))


@settings(max_examples=60, deadline=None)
@given(same_shape_layouts(), st.sampled_from(["full", "same", "valid"]),
       st.sampled_from(["fill", "wrap", "symm"]), st.sampled_from(FUNCTIONS),
       st.sampled_from([0, 2]))
def test_repeated_calls_of_one_shape_match_scipy(layouts, mode, boundary, functions, fillvalue):
    ours, theirs = functions
    kernel = np.arange(1, 7).reshape(2, 3).astype(layouts[0].dtype)
    for image in layouts + layouts[::-1]:  # each layout after every other one
        for in1, in2 in ((image, kernel), (kernel, image)):
            if mode == "valid" and not (_fits(in1, in2) or _fits(in2, in1)):
                continue  # SciPy's ValueError: test_convolve checks it
            want = theirs(in1, in2, mode, boundary, fillvalue)
            assert_matches(ours(in1, in2, mode, boundary, fillvalue), want, in1, in2,
                           fillvalue if boundary == "fill" else 0)


def _fits(small, large):
    return all(m <= n for m, n in zip(small.shape, large.shape))


def test_zero_fill_is_scipys_zero_padding():
    """fillvalue=0 reaches C as NULL ("zero"): inf * 0 at the border is NaN
    there as in SciPy's zero padding, and every spelling of zero agrees."""
    image = np.arange(1.0, 17.0).reshape(4, 4)
    kernel = np.array([[1.0, 2.0, np.inf], [0.5, -1.0, 3.0]])
    want = signal.convolve2d(image, kernel, "full", "fill", 0)
    assert np.isnan(want).any()
    for zero in (0, 0.0, np.int64(0), np.array([[0]]), False):
        assert_identical(ndkern.convolve2d(image, kernel, "full", "fill", zero), want)


def test_plan_cache_keeps_scipys_errors():
    image, kernel = np.ones((4, 5)), np.ones((2, 2))
    ndkern.convolve2d(image, kernel, "same")  # now cached; bad arguments must still raise
    with pytest.raises(ValueError, match="Acceptable mode flags"):
        ndkern.convolve2d(image, kernel, "Same")
    with pytest.raises(ValueError, match="Acceptable mode flags"):
        ndkern.convolve2d(image, kernel, ["same"])  # unhashable: not a cache key
    with pytest.raises(ValueError, match="Acceptable boundary flags"):
        ndkern.convolve2d(image, kernel, "same", {"fill": 1})
    with pytest.raises(ValueError, match="Acceptable method flags"):
        ndkern.convolve2d(image, kernel, "same", method=np.array(["direct"]))
    with pytest.raises(ValueError, match="For 'valid' mode"):
        ndkern.convolve2d(np.ones((4, 1)), np.ones((1, 4)), "valid")
    with pytest.raises(ValueError, match="fillvalue"):
        ndkern.convolve2d(image, kernel, "same", "fill", [1, 2])


def test_caches_stay_bounded_and_correct(monkeypatch):
    monkeypatch.setattr(_convolve, "_PLANS_LIMIT", 3)
    monkeypatch.setattr(_arrays, "_INT64_ARRAYS_LIMIT", 5)
    rng = np.random.default_rng(5)
    for rows in range(1, 12):
        image = rng.standard_normal((rows, 7))[:, ::-2]
        kernel = rng.standard_normal((3, 2))
        assert_matches(ndkern.convolve2d(image, kernel, "same"),
                       signal.convolve2d(image, kernel, "same"), image, kernel)
        assert_identical(ndkern.square_array(image), np.square(image))
        assert len(_convolve._PLANS) <= 3 and len(_arrays.INT64_ARRAYS) <= 5
    for values in [(), (3,), (-8, 0, 2**62)]:
        assert tuple(_arrays.INT64_ARRAYS[values]) == values


def test_threads_share_the_caches(monkeypatch):
    """Many threads calling with many shapes while the caches fill and empty."""
    monkeypatch.setattr(_convolve, "_PLANS_LIMIT", 4)
    monkeypatch.setattr(_arrays, "_INT64_ARRAYS_LIMIT", 6)
    failures = []

    def work(seed):
        rng = np.random.default_rng(seed)
        for _ in range(60):
            shape = tuple(rng.integers(1, 9, 2))
            image, kernel = rng.standard_normal(shape), rng.standard_normal((3, 3))
            if rng.integers(2):
                image = image.T
            got, want = ndkern.convolve2d(image, kernel, "same"), \
                signal.convolve2d(image, kernel, "same")
            if not np.allclose(got, want, rtol=1e-12, atol=1e-12) or \
                    ndkern.sum_array(image) != pytest.approx(np.sum(image), rel=1e-12, abs=1e-12):
                failures.append((seed, shape))
    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


@pytest.mark.parametrize("dtype", C_DTYPES)
def test_overlap_retry_still_answers_from_the_inputs(dtype):
    """An output overlapping the input (not exactly) makes C refuse; the slow
    path repeats the call on a copy: NumPy's answer from the input as it was."""
    memory = (np.arange(40) % 11).astype(dtype)
    want = np.square(memory[:30])
    ndkern.square_array(memory[:30], out=memory[5:35])
    np.testing.assert_array_equal(memory[5:35], want)
    image = (np.arange(100) % 7).astype(dtype).reshape(10, 10)
    memory = np.zeros((12, 12), dtype)
    memory[:10, :10] = image
    kernel = np.arange(9).astype(dtype).reshape(3, 3)
    ndkern.convolve2d(memory[:10, :10], kernel, "same", out=memory[2:, 1:11])
    assert_identical(memory[2:, 1:11], signal.convolve2d(image, kernel, "same").astype(dtype))


@pytest.mark.parametrize("order", ["C", "F"])
def test_out_of_any_layout_with_a_cached_plan(order):
    """The plan's shape arrays serve any `out` (its own strides are passed)."""
    rng = np.random.default_rng(6)
    image, kernel = rng.standard_normal((9, 7)), rng.standard_normal((3, 3))
    want = signal.convolve2d(image, kernel, "same")
    for out in (np.empty((9, 7), order=order), np.empty((14, 18))[::-1, ::2][:9, 2:9],
                np.empty((7, 9)).T):
        for _ in range(2):  # the second call uses the cached plan
            out[...] = np.nan
            assert ndkern.convolve2d(image, kernel, "same", out=out) is out
            assert_matches(out, want, image, kernel)
