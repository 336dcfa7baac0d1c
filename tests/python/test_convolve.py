"""convolve2d / correlate2d against scipy.signal."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import signal

import ndkern
from ndkern_testing import (C_DTYPES, INT_DTYPES, assert_identical, assert_matches,
                            random_values, views)

FUNCTIONS = {"convolve2d": (ndkern.convolve2d, signal.convolve2d),
             "correlate2d": (ndkern.correlate2d, signal.correlate2d)}
MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "pad", "wrap", "circular", "symm", "symmetric"]


def scipy_would_crash(in1, mode, boundary):
    """scipy divides by the image size to extend it (wrap/symm; valid mode
    extends nothing): SIGFPE on an empty image."""
    return mode != "valid" and boundary not in ("fill", "pad") and np.asarray(in1).size == 0


def fill_values(dtype):
    """fillvalues SciPy accepts for `dtype` (Python scalars of its kind)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return st.integers(max(info.min, -1000), min(info.max, 1000))
    reals = st.floats(-1e3, 1e3, allow_nan=False)
    return st.complex_numbers(max_magnitude=1e3) if dtype.kind == "c" else reals


@given(st.data(), st.sampled_from(C_DTYPES), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from(sorted(FUNCTIONS)))
def test_matches_scipy(data, dtype, mode, boundary, name):
    ours, theirs = FUNCTIONS[name]
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, max_side=9, finite=True), "in1")
    in2 = data.draw(views(dtype, min_dims=2, max_dims=2, max_side=6, finite=True), "in2")
    fillvalue = data.draw(fill_values(dtype), "fillvalue")
    if scipy_would_crash(in1, mode, boundary):
        check_without_scipy(ours, in1, in2, mode, boundary, fillvalue)
        return
    check_against_scipy(ours, theirs, in1, in2, mode, boundary, fillvalue)


def check_against_scipy(ours, theirs, in1, in2, mode, boundary, fillvalue):
    """ours equals SciPy's `theirs` (assert_matches), or both raise ValueError."""
    try:
        want = theirs(in1, in2, mode, boundary, fillvalue)
    except ValueError:
        with pytest.raises(ValueError):
            ours(in1, in2, mode, boundary, fillvalue)
        return
    got = ours(in1, in2, mode, boundary, fillvalue)
    assert_matches(got, want, in1, in2, fillvalue if boundary in ("fill", "pad") else 0)


def check_without_scipy(function, in1, in2, mode, boundary, fillvalue=0):
    """An empty image with wrap/symm: ValueError if the kernel has taps that
    would read the image's extension, zeros if there is nothing to read."""
    try:
        shape = function(in1, in2, mode).shape  # the fill boundary needs no extension
    except ValueError:
        shape = None
    if shape is None or (in2.size and 0 not in shape):
        with pytest.raises(ValueError):
            function(in1, in2, mode, boundary, fillvalue)
    else:
        result = function(in1, in2, mode, boundary, fillvalue)
        assert result.shape == shape and not np.any(result)


SMALL_KERNEL_DTYPES = [np.dtype(t) for t in (np.float32, np.float64, np.uint8, np.int16)]


@given(st.data(), st.sampled_from(SMALL_KERNEL_DTYPES), st.sampled_from(MODES),
       st.sampled_from(["fill", "wrap", "symm"]), st.sampled_from(sorted(FUNCTIONS)))
def test_small_kernels_match_scipy(data, dtype, mode, boundary, name):
    """The shapes of the small-kernel core (1, 3 or 5 by 1, 3 or 5) on images
    wider than a strip of vectors and taller than a task's rows."""
    ours, theirs = FUNCTIONS[name]
    kh, kw = (data.draw(st.sampled_from([1, 3, 5]), axis) for axis in ("kh", "kw"))
    in2 = random_values(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), "seed")),
                        dtype, (kh, kw), finite=True)
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=90,
                          finite=True, broadcast=False), "in1")
    if data.draw(st.booleans(), "small values") and dtype.kind in "iu":
        in1 = in1 % 16  # float compute types instead of wrapping ones
    fillvalue = data.draw(fill_values(dtype), "fillvalue")
    check_against_scipy(ours, theirs, in1, in2, mode, boundary, fillvalue)


@given(st.data(), st.sampled_from(INT_DTYPES), st.sampled_from(MODES),
       st.sampled_from(["fill", "wrap", "symm"]))
def test_kernels_larger_than_image(data, dtype, mode, boundary):
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=3))
    in2 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=4, max_side=11))
    for name, (ours, theirs) in FUNCTIONS.items():
        assert_matches(ours(in1, in2, mode, boundary), theirs(in1, in2, mode, boundary), in1, in2)


SHAPES = [((1, 7), (1, 3)), ((7, 1), (3, 1)), ((1, 9), (4, 1)), ((1, 1), (5, 5)),
          ((3, 4), (6, 7)), ((4, 4), (4, 4)), ((5, 6), (2, 3)), ((6, 5), (4, 4)),
          ((2, 2), (0, 0)), ((2, 2), (0, 3)), ((0, 0), (2, 2)), ((3, 0), (2, 2)),
          ((1, 1), (0, 0)), ((0, 0), (0, 0))]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_edge_shapes(shapes, mode, boundary):
    rng = np.random.default_rng(sum(map(sum, shapes)))
    in1 = random_values(rng, np.int16, shapes[0])
    in2 = random_values(rng, np.int16, shapes[1])
    for name, (ours, theirs) in FUNCTIONS.items():
        if scipy_would_crash(in1, mode, boundary):
            check_without_scipy(ours, in1, in2, mode, boundary)
            continue
        try:
            want = theirs(in1, in2, mode, boundary, fillvalue=3)
        except ValueError:
            with pytest.raises(ValueError):
                ours(in1, in2, mode, boundary, fillvalue=3)
            continue
        assert_identical(ours(in1, in2, mode, boundary, fillvalue=3), want)


def test_seed_example():
    got = ndkern.convolve2d([[1, 1, 1]], [[1], [2], [1]])
    assert_identical(got, signal.convolve2d([[1, 1, 1]], [[1], [2], [1]]))
    # the result the project's issue states
    np.testing.assert_array_equal(got, [[1, 1, 1], [2, 2, 2], [1, 1, 1]])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_seed_benchmark_is_bit_identical(mode, boundary):
    f = np.arange(100 * 100, dtype=np.int64).reshape(100, 100)
    g = np.arange(81, dtype=np.int64).reshape(9, 9)
    for name, (ours, theirs) in FUNCTIONS.items():
        assert_identical(ours(f, g, mode, boundary), theirs(f, g, mode, boundary))


@pytest.mark.parametrize("dtype", C_DTYPES)
def test_large_image(dtype):
    """Big enough for the vector kernels and several threads."""
    rng = np.random.default_rng(11)
    f = random_values(rng, dtype, (301, 257), finite=True)
    g = random_values(rng, dtype, (9, 8), finite=True)
    for mode in MODES:
        for name, (ours, theirs) in FUNCTIONS.items():
            assert_matches(ours(f, g, mode, "symm"), theirs(f, g, mode, "symm"), f, g)
            assert_matches(ours(f.T[::-1], g, mode), theirs(f.T[::-1], g, mode), f, g)


def test_empty_image_with_wrap_raises_instead_of_crashing():
    # scipy.signal.convolve2d(np.zeros((0, 3)), np.ones((2, 2)), boundary='wrap') dies of SIGFPE
    for boundary in ("wrap", "circular", "symm", "symmetric"):
        for function in (ndkern.convolve2d, ndkern.correlate2d):
            for mode, shape in [("full", (0, 3)), ("full", (0, 0)), ("full", (3, 0))]:
                with pytest.raises(ValueError):
                    function(np.zeros(shape), np.ones((2, 2)), mode, boundary)
            # nothing to compute: no error
            assert function(np.zeros((0, 3)), np.ones((2, 2)), "same", boundary).shape == (0, 3)


@pytest.mark.parametrize("pair", [(np.int8, np.float32), (np.uint64, np.int64),
                                  (np.int8, np.uint8), (np.float32, np.complex64),
                                  (np.int16, np.float64), (np.uint8, np.bool_)])
def test_mixed_dtypes_use_result_type(pair):
    rng = np.random.default_rng(5)
    in1 = random_values(rng, pair[0], (6, 7), finite=True)
    in2 = random_values(rng, pair[1], (3, 2), finite=True)
    for name, (ours, theirs) in FUNCTIONS.items():
        got, want = ours(in1, in2), theirs(in1, in2)
        assert got.dtype == np.result_type(in1, in2)
        assert_matches(got, want, in1.astype(got.dtype), in2.astype(got.dtype))


@pytest.mark.parametrize("dtype", [np.bool_, np.float16, np.object_, np.longdouble, "U2",
                                   "M8[s]"])
def test_unsupported_dtypes_raise_type_error(dtype):
    if np.dtype(dtype) == np.float64:
        pytest.skip("long double is double here")
    x = np.zeros((3, 3), dtype)
    for function in (ndkern.convolve2d, ndkern.correlate2d):
        with pytest.raises(TypeError, match=re.escape(str(np.dtype(dtype)))):
            function(x, x)


def test_mode_and_boundary_names():
    f, g = np.arange(20.0).reshape(4, 5), np.ones((2, 3))
    for alias, name in [("pad", "fill"), ("circular", "wrap"), ("symmetric", "symm")]:
        assert_identical(ndkern.convolve2d(f, g, boundary=alias),
                         ndkern.convolve2d(f, g, boundary=name))
    with pytest.raises(ValueError, match="mode"):
        ndkern.convolve2d(f, g, mode="Full")
    with pytest.raises(ValueError, match="boundary"):
        ndkern.convolve2d(f, g, boundary="reflect")
    with pytest.raises(ValueError, match="2-D"):
        ndkern.convolve2d(np.ones(3), g)
    with pytest.raises(ValueError, match="large"):
        ndkern.correlate2d(np.ones((2, 5)), np.ones((3, 2)), "valid")


def test_fillvalue():
    f, g = np.arange(12).reshape(3, 4), np.array([[1, 2], [3, 4]])
    assert_identical(ndkern.convolve2d(f, g, fillvalue=np.array([[5]])),
                     signal.convolve2d(f, g, fillvalue=5))
    assert_identical(ndkern.convolve2d(f, g, fillvalue=2.7),
                     signal.convolve2d(f, g, fillvalue=2))  # astype truncates
    u = f.astype(np.uint8)
    assert_identical(ndkern.convolve2d(u, u[:2, :2], fillvalue=-1),  # astype wraps to 255
                     signal.convolve2d(u, u[:2, :2], fillvalue=255))
    assert_identical(ndkern.convolve2d(f * 0.5, g, fillvalue=2 + 0j),
                     signal.convolve2d(f * 0.5, g, fillvalue=2.0))
    c = f + 1j
    assert_identical(ndkern.correlate2d(c, g, fillvalue=1 - 2j),
                     signal.correlate2d(c, g, fillvalue=1 - 2j))
    with pytest.raises(ValueError, match="fillvalue"):
        ndkern.convolve2d(f * 0.5, g, fillvalue=1 + 1j)
    with pytest.raises(ValueError, match="one element"):
        ndkern.convolve2d(f, g, fillvalue=[1, 2])
    with pytest.raises(ValueError, match="empty"):
        ndkern.convolve2d(f, g, fillvalue=[])
    # like scipy, fillvalue is ignored unless the boundary is 'fill'
    assert_identical(ndkern.convolve2d(f, g, boundary="wrap", fillvalue=[1, 2]),
                     signal.convolve2d(f, g, boundary="wrap"))


def test_out():
    f, g = np.arange(30.0).reshape(5, 6), np.ones((3, 3))
    out = np.zeros((14, 16))[::2, ::-2]
    assert ndkern.convolve2d(f, g, out=out) is out
    assert_identical(out, signal.convolve2d(f, g))
    with pytest.raises(ValueError, match="shape"):
        ndkern.convolve2d(f, g, out=np.empty((5, 6)))
    with pytest.raises(TypeError, match="dtype"):
        ndkern.convolve2d(f, g, out=np.empty((7, 8), np.float32))
    read_only = np.empty((7, 8))
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ndkern.correlate2d(f, g, out=read_only)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_out_overlapping_an_input(name):
    ours, theirs = FUNCTIONS[name]
    memory = np.zeros((12, 12))
    f = memory[:10, :10]
    f[...] = np.arange(100.0).reshape(10, 10) % 7
    g = np.arange(9.0).reshape(3, 3)
    want = theirs(f.copy(), g, "same")
    ours(f, g, "same", out=memory[2:, 1:11])
    np.testing.assert_array_equal(memory[2:, 1:11], want)


# Separable (rank-1) kernels: two 1-D passes when kh*kw - kh - kw >= 11.

REAL_DTYPES = INT_DTYPES + [np.dtype(np.float32), np.dtype(np.float64)]


def factors(dtype, size):
    """Factors of an outer-product kernel whose products fit `dtype`: small
    integers (some zero, some sharing a divisor) up to 2^20 for the wide
    types, nonnegative for unsigned; floats of mixed sign and magnitude."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        value = st.floats(-4, 4, allow_nan=False, width=8 * dtype.itemsize)
        return st.lists(value, min_size=size, max_size=size)
    info = np.iinfo(dtype)
    limit = min(math.isqrt(info.max) // 2, 2**20)
    value = st.integers(-limit if info.min else 0, limit)
    return st.builds(lambda scale, values: [scale * v for v in values],
                     st.sampled_from([1, 1, 2]), st.lists(value, min_size=size, max_size=size))


def outer(u, v, dtype):
    """u v^T rounded once to `dtype` (integer products are exact)."""
    kind = object if np.dtype(dtype).kind in "iu" else np.float64
    return np.outer(np.array(u, kind), np.array(v, kind)).astype(dtype)


def assert_scipy_result(got, want, in1, in2, fillvalue=0):
    """Integers bit for bit; floats to rounding (two passes round
    differently from SciPy's direct sum)."""
    if got.dtype.kind in "iu":
        assert_identical(got, want)
    else:
        assert_matches(got, want, in1, in2, fillvalue)


@given(st.data(), st.sampled_from(REAL_DTYPES), st.sampled_from(MODES),
       st.sampled_from(["fill", "wrap", "symm"]), st.sampled_from(sorted(FUNCTIONS)))
def test_separable_kernels_match_scipy(data, dtype, mode, boundary, name):
    ours, theirs = FUNCTIONS[name]
    kh, kw = data.draw(st.integers(3, 11), "kh"), data.draw(st.integers(3, 11), "kw")
    kernel = outer(data.draw(factors(dtype, kh), "u"), data.draw(factors(dtype, kw), "v"), dtype)
    kernel = kernel[::data.draw(st.sampled_from([1, -1])), ::data.draw(st.sampled_from([1, -1]))]
    if data.draw(st.booleans(), "transposed"):
        kernel = kernel.T
    in1 = data.draw(views(dtype, min_dims=2, max_dims=2, min_side=1, max_side=14, finite=True),
                    "in1")
    if data.draw(st.booleans(), "small values") and dtype.kind in "iu":
        in1 = in1 % 16  # float compute types instead of wrapping ones
    fillvalue = data.draw(fill_values(dtype), "fillvalue")
    check_against_scipy(ours, theirs, in1, kernel, mode, boundary, fillvalue)


SEPARABLE_KERNELS = {
    "sobel 3x3": ([1, 2, 1], [-1, 0, 1]),  # too small to pay: direct
    "sobel 5x5": ([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1]),
    "first row zero, gcd 2": ([0, 2, -3, 0, 5], [4, 6, 0, -2, 8, 10]),
    "box 9x9": ([1] * 9, [1] * 9),
    "3x7": ([3, -1, 2], [1, 0, 0, -7, 2, 2, 5]),
    "2x15": ([1, -1], list(range(-7, 8))),
}


@pytest.mark.parametrize("factors_uv", list(SEPARABLE_KERNELS.values()),
                         ids=list(SEPARABLE_KERNELS))
@pytest.mark.parametrize("dtype", REAL_DTYPES)
@pytest.mark.parametrize("near", [False, True], ids=["rank1", "nearly-rank1"])
def test_known_separable_kernels(factors_uv, dtype, near):
    """Every mode and boundary; images of small values (float compute types)
    and full-range ones (wrapping); strided and reversed views.  A nearly
    rank-1 kernel (one entry changed) must take the direct path."""
    u, v = factors_uv
    if np.dtype(dtype).kind == "u":
        u, v = np.abs(u), np.abs(v)
    kernel = outer(u, v, dtype)
    if near:
        kernel[1, -1] += 1 if np.dtype(dtype).kind in "iu" else 0.01 * np.abs(kernel).max()
    rng = np.random.default_rng(len(u) * 100 + len(v))
    wide = random_values(rng, dtype, (40, 46), finite=True)
    for in1 in (wide, wide % 16, wide[::2, ::-1], wide.T[::-3]):
        for mode in MODES:
            for boundary in ("fill", "wrap", "symm"):
                for ours, theirs in FUNCTIONS.values():
                    want = theirs(in1, kernel, mode, boundary, fillvalue=3)
                    got = ours(in1, kernel, mode, boundary, fillvalue=3)
                    assert_scipy_result(got, want, in1, kernel, 3 if boundary == "fill" else 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gaussian_and_nearly_separable_floats(dtype):
    """A Gaussian (rounded once per tap) takes two passes and matches; a
    kernel off rank 1 by far more than rounding is computed directly and
    matches just as well."""
    x = np.arange(-7, 8)
    gaussian = np.exp(-x**2 / 8.0)
    rng = np.random.default_rng(3)
    image = random_values(rng, dtype, (120, 97), finite=True)
    for kernel in (np.outer(gaussian, gaussian) / gaussian.sum()**2,
                   np.outer(gaussian, gaussian[::-1] - 0.5),
                   np.outer(gaussian, gaussian) + 1e-5 * rng.standard_normal((15, 15))):
        kernel = kernel.astype(dtype)
        for mode in MODES:
            for ours, theirs in FUNCTIONS.values():
                assert_matches(ours(image, kernel, mode, "symm"),
                               theirs(image, kernel, mode, "symm"), image, kernel)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, np.int16])
def test_separable_results_do_not_depend_on_the_thread_count(dtype):
    rng = np.random.default_rng(17)
    image = random_values(rng, dtype, (700, 650), finite=True)
    kernel = outer([1, 3, -2, 5, 4, 1, 2, 1, 1], [2, -1, 3, 1, 1, 7, 1], dtype) \
        if np.dtype(dtype).kind == "i" else outer(range(1, 10), range(7, 0, -1), dtype)
    results = []
    for count in (1, 2):
        with ndkern.threads(count):
            results.append([ndkern.convolve2d(image, kernel, "same", "wrap"),
                            ndkern.correlate2d(image[::-1, ::2], kernel, "full")])
    for first, second in zip(*results):
        assert_identical(first, second)
    assert_scipy_result(results[0][0], signal.convolve2d(image, kernel, "same", "wrap"),
                        image, kernel)
