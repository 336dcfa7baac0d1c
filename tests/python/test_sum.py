"""sum_array against numpy.sum (integers, bit for bit) and math.fsum (floats)."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import ndkern
from ndkern_testing import (ALL_DTYPES, BOOL, COMPLEX_DTYPES, FLOAT16, FLOAT_DTYPES,
                            INT_DTYPES, assert_identical, axes, fsum_reduce, normalized_axes,
                            random_values, views)

try:
    from numpy.exceptions import AxisError, ComplexWarning
except ImportError:  # NumPy < 1.25
    from numpy import AxisError, ComplexWarning

EPS64 = np.finfo(np.float64).eps


def result_shape(shape, axis, keepdims):
    reduced = normalized_axes(axis, len(shape))
    return tuple(1 if a in reduced else n for a, n in enumerate(shape) if keepdims or a not in reduced)


# ---------------------------------------------------------------- integers: exact

@given(st.data(), st.sampled_from(INT_DTYPES + [BOOL]), st.booleans())
def test_integers_match_numpy(data, dtype, keepdims):
    x = data.draw(views(dtype, max_dims=5))
    axis = data.draw(axes(x.ndim))
    assert_identical(ndkern.sum_array(x, axis=axis, keepdims=keepdims),
                     np.sum(x, axis=axis, keepdims=keepdims))


@given(st.data(), st.sampled_from(INT_DTYPES + [BOOL]), st.sampled_from(INT_DTYPES))
def test_integer_dtype_argument_matches_numpy(data, dtype, result_dtype):
    x = data.draw(views(dtype, max_dims=3))
    axis = data.draw(axes(x.ndim))
    assert_identical(ndkern.sum_array(x, axis=axis, dtype=result_dtype),
                     np.sum(x, axis=axis, dtype=result_dtype))


@given(st.data(), st.sampled_from(FLOAT_DTYPES + COMPLEX_DTYPES), st.sampled_from(INT_DTYPES))
def test_float_to_integer_dtype_truncates_like_numpy(data, dtype, result_dtype):
    x = data.draw(views(dtype, max_dims=3, finite=True))
    x = np.clip(x.real, -100, 100).astype(dtype)  # in range of every integer type
    axis = data.draw(axes(x.ndim))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ComplexWarning)
        assert_identical(ndkern.sum_array(x, axis=axis, dtype=result_dtype),
                         np.sum(x, axis=axis, dtype=result_dtype))


# ---------------------------------------------------------------- floats: against fsum

def assert_close_to_fsum(got, x, axis, keepdims):
    """`got` is within the documented error of the exact sum of x's elements
    (already in the accumulation type), and has numpy.sum's shape."""
    got = np.asarray(got)
    assert got.shape == result_shape(x.shape, axis, keepdims)
    got = got.reshape(result_shape(x.shape, axis, False))
    parts = [(np.real, np.real(x))] + ([(np.imag, np.imag(x))] if x.dtype.kind == "c" else [])
    for part, values in parts:
        exact, magnitude = fsum_reduce(values, axis)
        ours = part(got).astype(np.float64)
        if got.dtype in (np.float32, np.complex64, FLOAT16):
            rounded = np.dtype(np.float16 if got.dtype == FLOAT16 else np.float32)
            # accumulated in double, rounded once: within 1 ulp of the exact sum rounded
            with np.errstate(over="ignore"):
                exact = exact.astype(rounded)
            with np.errstate(invalid="ignore"):  # spacing(inf) where the sum overflowed
                tolerance = np.spacing(np.abs(exact)).astype(np.float64) + 64 * EPS64 * magnitude
            exact = exact.astype(np.float64)
        else:
            tolerance = 64 * EPS64 * magnitude
        with np.errstate(invalid="ignore"):  # inf - inf where both overflowed
            close = (ours == exact) | (np.abs(ours - exact) <= tolerance)
        assert np.all(close), (ours, exact, tolerance)


@given(st.data(), st.sampled_from(FLOAT_DTYPES + COMPLEX_DTYPES + [FLOAT16]), st.booleans())
def test_floats_match_fsum(data, dtype, keepdims):
    x = data.draw(views(dtype, max_dims=5, finite=True))
    axis = data.draw(axes(x.ndim))
    got = ndkern.sum_array(x, axis=axis, keepdims=keepdims)
    with np.errstate(over="ignore"):  # only NumPy's type is used: it may overflow
        want = np.sum(x, axis=axis, keepdims=keepdims)
    assert type(got) is type(want) and got.dtype == want.dtype
    assert_close_to_fsum(got, x, axis, keepdims)


@given(st.data(), st.sampled_from(ALL_DTYPES),
       st.sampled_from(FLOAT_DTYPES + COMPLEX_DTYPES + [FLOAT16]))
def test_float_dtype_argument(data, dtype, result_dtype):
    """A floating dtype adds each value as it is (integers through double,
    the real part for a real dtype) and rounds the total once (ndkern.h)."""
    x = data.draw(views(dtype, max_dims=3, finite=True))
    axis = data.draw(axes(x.ndim))
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", ComplexWarning)
        got = ndkern.sum_array(x, axis=axis, dtype=result_dtype)
        want = np.sum(x, axis=axis, dtype=result_dtype)
    assert type(got) is type(want) and got.dtype == want.dtype
    values = x.astype(np.complex128) if result_dtype.kind == "c" else x.real.astype(np.float64)
    assert_close_to_fsum(got, values, axis, False)


@pytest.mark.parametrize("values, dtype, result_dtype", [
    ([1 + 2.0**-30, -1.0], np.float64, np.float32),
    ([2**24 + 1, -(2**24)], np.int32, np.float32),
    ([2**24 + 1] * 3, np.uint64, np.float32),
    ([1 + 2.0**-30 + 1j, -1.0], np.complex128, np.complex64),
    ([2049, -2048], np.int16, np.float16),
])
def test_float_dtype_rounds_the_exact_total_once(values, dtype, result_dtype):
    """Where numpy.sum rounds each element to `dtype` first, ndkern does not:
    its result is the exact sum rounded once (ndkern.h), NumPy's is farther."""
    x = np.array(values, dtype)
    exact = math.fsum(np.real(x).astype(np.float64).tolist())
    got = ndkern.sum_array(x, dtype=result_dtype)
    assert got.dtype == result_dtype and np.real(got) == np.array(exact).astype(result_dtype)
    assert abs(np.real(got) - exact) < abs(np.real(np.sum(x, dtype=result_dtype)) - exact)


def test_special_values_propagate():
    for values in ([1.0, np.inf], [np.inf, -np.inf], [np.nan, 1.0], [-np.inf, 2.0],
                   [np.finfo(np.float64).max] * 2):
        x = np.array(values)
        with np.errstate(all="ignore"):
            assert_identical(ndkern.sum_array(x), np.sum(x))
            assert_identical(ndkern.sum_array(np.array(values, np.float32)),
                             np.sum(np.array(values, np.float32)))


def test_more_accurate_than_numpy_across_a_non_fast_axis():
    """NumPy adds rows one after the other when the reduced axis is not the
    fast one, losing every tiny term here; ndkern's blocked pairwise double
    sum keeps them."""
    n = 1 << 20
    x = np.full((n, 2), 2.0**-60)
    x[0] = 1.0
    exact = math.fsum(x[:, 0].tolist())
    assert exact == 1.0 + (n - 1) * 2.0**-60  # representable: fsum is exact here
    numpy_error = abs(np.sum(x, axis=0)[0] - exact)
    ours = ndkern.sum_array(x, axis=0)
    our_error = abs(ours[0] - exact)
    assert our_error <= (20 + math.log2(n)) * 2.0**-53 * math.fsum(np.abs(x[:, 0]).tolist())
    if numpy_error == 0:
        pytest.skip("this NumPy sums the non-fast axis exactly; nothing to compare")
    assert our_error < numpy_error / 1000, (our_error, numpy_error)


def test_float32_across_rows_is_correctly_rounded():
    x = np.full((1_000_003, 3), np.float32(0.1))
    x[::7, 1] = np.float32(-3.3)
    got = ndkern.sum_array(x, axis=0)
    exact = np.array([math.fsum(column) for column in x.T.astype(np.float64).tolist()])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, exact.astype(np.float32))
    numpy_error = np.abs(np.sum(x, axis=0).astype(np.float64) - exact)
    assert np.all(np.abs(got.astype(np.float64) - exact) <= numpy_error)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (2, 0), (1, 2)])
def test_large_inputs(axis):
    rng = np.random.default_rng(3)
    x = random_values(rng, np.float64, (129, 67, 301), finite=True)
    for view in (x, x[::-1, :, ::2], x.transpose(2, 0, 1)):
        assert_close_to_fsum(ndkern.sum_array(view, axis=axis), view, axis, False)
    i = random_values(rng, np.int32, (129, 67, 301))
    assert_identical(ndkern.sum_array(i, axis=axis), np.sum(i, axis=axis))
    c = random_values(rng, np.complex64, (129, 67, 33), finite=True)
    assert_close_to_fsum(ndkern.sum_array(c, axis=axis), c, axis, False)


@pytest.mark.parametrize("size", [2**20, 2**21 - 1, 2**21, 3 * 2**20, 2**23])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128, np.int64])
def test_large_full_reductions(size, dtype):
    """Sizes around the block and thread split points, default thread count."""
    x = np.ones(size, dtype)
    x[::3] = 3
    assert_identical(ndkern.sum_array(x), np.sum(x))  # small integers: NumPy is exact here


def test_empty_and_0d():
    assert_identical(ndkern.sum_array([]), np.sum([]))
    assert_identical(ndkern.sum_array(np.zeros((0, 3), np.int8), axis=0),
                     np.sum(np.zeros((0, 3), np.int8), axis=0))
    assert_identical(ndkern.sum_array(np.zeros((3, 0)), axis=0), np.sum(np.zeros((3, 0)), axis=0))
    assert_identical(ndkern.sum_array(5), np.sum(5))
    assert_identical(ndkern.sum_array(np.float32(2.5)), np.sum(np.float32(2.5)))
    for axis in (0, -1, (), None):
        assert_identical(ndkern.sum_array(np.array(2.5), axis=axis),
                         np.sum(np.array(2.5), axis=axis))
    assert_identical(ndkern.sum_array(np.array(7, np.uint8), keepdims=True),
                     np.sum(np.array(7, np.uint8), keepdims=True))


# ---------------------------------------------------------------- out=

@given(st.data(), st.sampled_from(INT_DTYPES + [BOOL]), st.sampled_from(INT_DTYPES),
       st.booleans())
def test_out_matches_numpy(data, dtype, out_dtype, keepdims):
    # NumPy sums int64 into uint64 (and back) through float64, rounding; ndkern stays exact
    assume(np.result_type(dtype, out_dtype).kind != "f")
    x = data.draw(views(dtype, max_dims=4))
    axis = data.draw(axes(x.ndim))
    shape = result_shape(x.shape, axis, keepdims)
    ours = np.zeros(tuple(2 * n for n in shape), out_dtype)[(slice(None, None, -2),) * len(shape)
                                                            + (...,)]
    theirs = np.zeros(shape, out_dtype)
    assert ndkern.sum_array(x, axis=axis, keepdims=keepdims, out=ours) is ours
    np.sum(x, axis=axis, keepdims=keepdims, out=theirs)
    assert_identical(ours, theirs)


def test_out_accumulates_like_numpy():
    half = np.full(10, 1e4, np.float16)  # overflows float16, not float32
    for x, out in [(half, np.empty((), np.float32)), (half, np.empty((), np.float16)),
                   (np.array([0.5] * 4), np.empty((), np.int64)),
                   (np.array([100, 100], np.int8), np.empty((), np.float32)),
                   (np.array([200, 100], np.uint8), np.empty((), np.int8)),
                   (np.array([1.5, 2.5]), np.empty((), ">f8"))]:
        theirs = np.empty_like(out)
        with np.errstate(over="ignore"):
            np.sum(x, out=theirs)
        ndkern.sum_array(x, out=out)
        assert_identical(out, theirs)


def test_out_overlapping_the_input():
    x = np.arange(12, dtype=np.int64).reshape(3, 4)
    want = np.sum(x, axis=0)
    ndkern.sum_array(x, axis=0, out=x[0])
    np.testing.assert_array_equal(x[0], want)
    y = np.arange(12.0).reshape(4, 3)
    want = np.sum(y, axis=1)
    ndkern.sum_array(y, axis=1, out=y[:, 1])
    np.testing.assert_array_equal(y[:, 1], want)


def test_out_errors():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="shape"):
        ndkern.sum_array(x, axis=0, out=np.empty(2))
    with pytest.raises(ValueError, match="shape"):
        ndkern.sum_array(x, axis=1, keepdims=True, out=np.empty(2))
    with pytest.raises(ValueError, match="shape"):
        ndkern.sum_array(x, out=np.empty(1))
    with pytest.raises(TypeError, match="ndarray"):
        ndkern.sum_array(x, axis=0, out=[0.0, 0.0, 0.0])
    read_only = np.empty(3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ndkern.sum_array(x, axis=0, out=read_only)


# ---------------------------------------------------------------- arguments

def test_axis_errors_are_numpys():
    x = np.ones((2, 3))
    for axis in (2, -3, (0, 2)):
        with pytest.raises(AxisError):
            ndkern.sum_array(x, axis=axis)
    with pytest.raises(ValueError, match="duplicate|repeated"):
        ndkern.sum_array(x, axis=(0, -2))
    with pytest.raises(TypeError):
        ndkern.sum_array(x, axis=1.0)
    with pytest.raises(AxisError):
        ndkern.sum_array(np.array(1.0), axis=1)


def test_complex_to_real_warns_like_numpy():
    x = np.array([1 + 2j, 3 - 1j])
    with pytest.warns(ComplexWarning):
        got = ndkern.sum_array(x, dtype=np.float64)
    with pytest.warns(ComplexWarning):
        want = np.sum(x, dtype=np.float64)
    assert_identical(got, want)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ndkern.sum_array(x)
        ndkern.sum_array(x.real, dtype=np.complex128)


def test_dtype_spellings():
    x = np.arange(5, dtype=np.int8)
    for dtype in (float, "f4", np.complex64, "int16", np.int64):
        assert_identical(ndkern.sum_array(x, dtype=dtype), np.sum(x, dtype=dtype))


# ---------------------------------------------------------------- bool and float16 in C

@given(st.data(), st.booleans(), st.sampled_from([None, np.int8, np.uint64, np.float64,
                                                  np.float16, np.complex64]))
def test_bool_counts_any_nonzero_byte(data, keepdims, dtype):
    # bool views of arbitrary bytes (0x10, 0xff, ...) count as True, as in NumPy
    x = data.draw(views(np.dtype(np.uint8), max_dims=4)).view(BOOL)
    axis = data.draw(axes(x.ndim))
    assert_identical(ndkern.sum_array(x, axis=axis, keepdims=keepdims, dtype=dtype),
                     np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype))


def test_bool_bytes_issue_example():
    x = np.frombuffer(b"\xff\xff" * 100, dtype=bool)
    assert_identical(ndkern.sum_array(x), np.sum(x))
    assert ndkern.sum_array(x) == 200


@given(st.data())
def test_float16_sum_is_the_exact_sum_rounded_once(data):
    """C sums float16 in double (exact for these sizes) and rounds once to
    float16.  NumPy is less exact: float32 lanes along a contiguous axis, and
    a float16 rounding per addition across rows (axis 0 of a 2-D array), so
    its result has the same dtype and shape but can be ulps away."""
    x = data.draw(views(FLOAT16, max_dims=3, finite=True))
    axis = data.draw(axes(x.ndim))
    got = ndkern.sum_array(x, axis=axis)
    exact, _ = fsum_reduce(x.astype(np.float64), axis)
    with np.errstate(over="ignore"):
        want = np.asarray(exact).astype(np.float16)
        theirs = np.sum(x, axis=axis)
    assert type(got) is type(theirs) and got.dtype == theirs.dtype == FLOAT16
    assert np.shape(got) == want.shape
    np.testing.assert_array_equal(got, want)
