"""method='fft' and 'auto' of convolve2d / correlate2d against references in
extended precision (scipy.signal in long double), thread-count independence,
the integer rule, choose_conv_method and ndkern.dask."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import signal

import ndkern
from ndkern_testing import COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_identical, views

FUNCTIONS = {"convolve2d": (ndkern.convolve2d, signal.convolve2d),
             "correlate2d": (ndkern.correlate2d, signal.correlate2d)}
MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]
FFT_DTYPES = FLOAT_DTYPES + COMPLEX_DTYPES


def extended(a):
    """`a` in long double (complex: clongdouble) for an accurate reference."""
    a = np.asarray(a)
    return a.astype(np.clongdouble if a.dtype.kind == "c" else np.longdouble)


def reference(name, in1, in2, mode, boundary, fillvalue):
    """SciPy's direct sum in long double, or None where SciPy raises."""
    theirs = FUNCTIONS[name][1]
    try:
        return theirs(extended(in1), extended(in2), mode, boundary, fillvalue)
    except ValueError:
        return None


def fft_tolerance(dtype, in1, in2, out_shape, fillvalue):
    """An error bound of the FFT method: a few units of rounding per level
    of the transforms times ||P||_2 ||g||_2 (P: the extended image, each
    value at most max(|f|, |fill|)) -- the rounding of FFT convolution is
    relative to the data's norms, not to each output."""
    eps = np.finfo(dtype).eps
    in1, in2 = np.abs(np.asarray(in1)), np.abs(np.asarray(in2))
    largest = max(float(in1.max(initial=0)), abs(fillvalue))
    rows, cols = (n + k - 1 for n, k in zip(out_shape, in2.shape))
    image_norm = largest * math.sqrt(rows * cols)
    kernel_norm = float(np.sqrt(np.sum(in2.astype(np.float64) ** 2)))
    levels = math.log2(max(rows * cols, 2)) + 4
    return 8 * eps * levels * image_norm * kernel_norm + np.finfo(dtype).tiny


@given(st.data(), st.sampled_from(FFT_DTYPES), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from(sorted(FUNCTIONS)))
def test_fft_matches_extended_precision(data, dtype, mode, boundary, name):
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=24,
                          finite=True), "in1")
    in2 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=12,
                          finite=True), "in2")
    fillvalue = data.draw(st.floats(-100, 100), "fillvalue") if boundary == "fill" else 0
    want = reference(name, in1, in2, mode, boundary, fillvalue)
    ours = FUNCTIONS[name][0]
    if want is None:
        with pytest.raises(ValueError):
            ours(in1, in2, mode, boundary, fillvalue, method="fft")
        return
    got = ours(in1, in2, mode, boundary, fillvalue, method="fft")
    assert got.dtype == dtype and got.shape == want.shape
    error = np.max(np.abs(extended(got) - want), initial=0)
    assert error <= fft_tolerance(dtype, in1, in2, got.shape, fillvalue)


@pytest.mark.parametrize("dtype, target", [(np.float32, 1e-4), (np.float64, 1e-12),
                                           (np.complex64, 1e-4), (np.complex128, 1e-12)])
@pytest.mark.parametrize("image, kernel", [((160, 150), (63, 63)), ((128, 140), (127, 31)),
                                           ((400, 90), (1, 255))])
def test_fft_error_on_normal_data(dtype, target, image, kernel):
    """The documented accuracy: max error <= 1e-4 (float32) / 1e-12 (float64)
    of max|h| for random normal data, against long double."""
    rng = np.random.default_rng(sum(image) + sum(kernel))
    f = rng.standard_normal(image)
    g = rng.standard_normal(kernel)
    if np.dtype(dtype).kind == "c":
        f = f + 1j * rng.standard_normal(image)
        g = g + 1j * rng.standard_normal(kernel)
    f, g = f.astype(dtype), g.astype(dtype)
    for name in FUNCTIONS:
        got = FUNCTIONS[name][0](f, g, "same", method="fft")
        want = reference(name, f, g, "same", "fill", 0)
        assert np.max(np.abs(extended(got) - want)) <= target * np.max(np.abs(want))


@pytest.mark.parametrize("dtype", FFT_DTYPES)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("image, kernel", [((517, 300), (40, 33)),
                                           ((2300, 70), (9, 90)),  # in strips of rows
                                           ((70, 2300), (90, 9))])  # in tiles of columns
def test_fft_independent_of_thread_count(dtype, boundary, image, kernel):
    rng = np.random.default_rng(7)
    f = rng.standard_normal(image).astype(dtype)
    g = rng.standard_normal(kernel).astype(dtype)
    results = []
    for n in (1, 2, 3):
        with ndkern.threads(n):
            results.append(ndkern.correlate2d(f[::-1], g.T, "same", boundary, 1.5,
                                              method="fft"))
    assert_identical(results[1], results[0])
    assert_identical(results[2], results[0])


@settings(max_examples=20, deadline=None)
@given(st.data(), st.sampled_from(FFT_DTYPES), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from(sorted(FUNCTIONS)))
def test_fft_strips_match_extended_precision(data, dtype, mode, boundary, name):
    """Images taller than the FFT's strip transforms (1024 rows in
    fft_convolve.c): the output is made of one to three strips of rows; or,
    transposed, wider than its tile transforms (one to three column tiles)."""
    kh = data.draw(st.integers(1, 300), "kh")
    rows = data.draw(st.integers(1100, 2400), "rows")
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=6,
                          finite=True), "narrow")
    in1 = np.repeat(in1, -(-rows // in1.shape[0]), axis=0)[:rows][::-1]
    in1 = in1 * np.linspace(1, 2, rows, dtype=np.float64).astype(dtype)[:, None]
    in2 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=in1.shape[1],
                          finite=True), "in2")
    in2 = np.repeat(in2, -(-kh // in2.shape[0]), axis=0)[:kh]
    if data.draw(st.booleans(), "wide"):
        in1, in2 = in1.T, in2.T
    fillvalue = data.draw(st.floats(-100, 100), "fillvalue") if boundary == "fill" else 0
    want = reference(name, in1, in2, mode, boundary, fillvalue)
    got = FUNCTIONS[name][0](in1, in2, mode, boundary, fillvalue, method="fft")
    assert got.dtype == dtype and got.shape == want.shape
    error = np.max(np.abs(extended(got) - want), initial=0)
    assert error <= fft_tolerance(dtype, in1, in2, got.shape, fillvalue)


@given(st.data(), st.sampled_from(FFT_DTYPES + INT_DTYPES), st.sampled_from(MODES))
def test_auto_is_direct_or_fft(data, dtype, mode):
    """'auto' gives exactly what one of the two methods gives; for a general
    kernel the one choose_conv_method names; integers always direct."""
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=40,
                          finite=True, broadcast=False), "in1")
    in2 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=40,
                          finite=True, broadcast=False), "in2")
    try:
        choice = ndkern.choose_conv_method(in1, in2, mode)
    except ValueError:
        with pytest.raises(ValueError):
            ndkern.convolve2d(in1, in2, mode, method="auto")
        return
    got = ndkern.convolve2d(in1, in2, mode, method="auto")
    if np.dtype(dtype).kind in "iu":
        assert choice == "direct"
    direct = ndkern.convolve2d(in1, in2, mode, method="direct")
    if choice == "fft":
        assert_identical(got, ndkern.convolve2d(in1, in2, mode, method="fft"))
    elif not np.array_equal(got, direct, equal_nan=True):  # a rank-1 kernel may differ
        assert_identical(got, ndkern.convolve2d(in1, in2, mode, method="fft"))


def test_choose_conv_method_follows_the_kernel_size():
    image = np.zeros((1000, 1000), np.float32)
    assert ndkern.choose_conv_method(image, np.zeros((3, 3), np.float32), "same") == "direct"
    assert ndkern.choose_conv_method(image, np.zeros((127, 127), np.float32), "same") == "fft"
    assert ndkern.choose_conv_method(image.astype(np.int32), np.zeros((127, 127), np.int32),
                                     "same") == "direct"
    with pytest.raises(ValueError):
        ndkern.choose_conv_method(np.zeros((3, 5)), np.zeros((5, 3)), "valid")
    with pytest.raises(ValueError):
        ndkern.choose_conv_method(image, image, "bad")


@given(st.data(), st.sampled_from(INT_DTYPES), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from(sorted(FUNCTIONS)))
def test_integer_fft_is_exact_or_refused(data, dtype, mode, boundary, name):
    """Integers by FFT equal SciPy bit for bit when SciPy's bound holds, and
    raise ValueError when it does not."""
    ours, theirs = FUNCTIONS[name]
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=12), "in1")
    in2 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=6), "in2")
    info = np.iinfo(dtype)
    fillvalue = data.draw(st.integers(max(info.min, -100), min(info.max, 100)))
    fillvalue = fillvalue if boundary == "fill" else 0
    try:
        want = theirs(in1, in2, mode, boundary, fillvalue)
    except ValueError:
        return
    largest = max(max(abs(int(in1.min())), abs(int(in1.max())), abs(fillvalue)), 0)
    bound = largest * max(abs(int(in2.min())), abs(int(in2.max()))) * min(in1.size, in2.size)
    if bound < 2**52:
        assert_identical(ours(in1, in2, mode, boundary, fillvalue, method="fft"), want)
    else:
        with pytest.raises(ValueError, match="2\\*\\*52"):
            ours(in1, in2, mode, boundary, fillvalue, method="fft")


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        ndkern.convolve2d(np.ones((3, 3)), np.ones((2, 2)), method="fast")


def test_fft_into_out():
    rng = np.random.default_rng(3)
    f, g = rng.standard_normal((50, 40)), rng.standard_normal((9, 7))
    out = np.empty((50, 40))
    assert ndkern.convolve2d(f, g, "same", "symm", out=out, method="fft") is out
    np.testing.assert_allclose(out, signal.convolve2d(f, g, "same", "symm"), atol=1e-12)


def test_dask_method():
    da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
    import ndkern.dask as nd
    rng = np.random.default_rng(5)
    f, g = rng.standard_normal((90, 70)), rng.standard_normal((11, 8))
    image = da.from_array(f, chunks=(30, 25))
    for method in ("fft", "auto"):
        got = nd.correlate2d(image, g, "same", "wrap", method=method).compute()
        np.testing.assert_allclose(got, signal.correlate2d(f, g, "same", "wrap"), atol=1e-11)
    with pytest.raises(ValueError, match="method"):
        nd.convolve2d(image, g, method="fast")
