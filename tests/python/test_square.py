"""square_array against numpy.square."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import ndkern
from ndkern_testing import ALL_DTYPES, BOOL, C_DTYPES, assert_identical, views


def numpy_square(x):
    """numpy.square (bool squares to int8, float16 rounds its float32 square)."""
    with np.errstate(all="ignore"):
        return np.square(x)


def assert_square(got, x, into_out=False):
    """Bit-identical to NumPy, except complex: NumPy's complex loops may fuse
    a*a - b*b into one FMA (CPU-dependent), so complex squares agree to
    rounding, finite where NumPy's are, non-finite where NumPy's are.
    `into_out`: `got` is an out= array, so 0-d results stay arrays."""
    want = np.asarray(numpy_square(x)) if into_out else numpy_square(x)
    if np.asarray(want).dtype.kind != "c":
        assert_identical(got, want)
        return
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    got, want = np.asarray(got), np.asarray(want)
    for part in (np.real, np.imag):
        np.testing.assert_array_equal(np.isfinite(part(got)), np.isfinite(part(want)))
    finite = np.isfinite(want)
    scale = np.abs(np.asarray(x, want.dtype)[finite]).astype(np.float64) ** 2
    np.testing.assert_array_less(np.abs(got[finite] - want[finite]),
                                 2 * np.finfo(want.dtype).eps * scale + np.finfo(want.dtype).tiny)


@given(st.data(), st.sampled_from(ALL_DTYPES))
def test_matches_numpy_on_views(data, dtype):
    x = data.draw(views(dtype, max_dims=5))
    assert_square(ndkern.square_array(x), x)


@given(st.data(), st.sampled_from(ALL_DTYPES))
def test_in_place_on_views(data, dtype):
    x = data.draw(views(dtype, max_dims=4, broadcast=False))
    original = x.copy()
    if dtype == BOOL:  # the int8 result does not cast to bool under 'same_kind'
        with pytest.raises(TypeError):
            np.square(x, out=x)
        with pytest.raises(TypeError, match="int8"):
            ndkern.square_array(x, out=x)
        return
    assert ndkern.square_array(x, out=x) is x
    assert_square(x, original, into_out=True)


@given(st.data(), st.sampled_from(C_DTYPES))
def test_out_with_other_strides(data, dtype):
    x = data.draw(views(dtype, max_dims=3))
    out = np.zeros(tuple(2 * n for n in x.shape), dtype)[(slice(None, None, -2),) * x.ndim + (...,)]
    assert ndkern.square_array(x, out=out) is out
    assert_square(out, x, into_out=True)


@pytest.mark.parametrize("value", [3, -7, 2.5, np.float32(1.5), np.int8(-128), np.uint16(300),
                                   1 + 2j, np.complex64(3 - 1j), np.float16(0.1)])
def test_scalars_and_0d(value):
    assert_square(ndkern.square_array(value), value)
    assert_square(ndkern.square_array(np.array(value)), np.array(value))


@given(st.data())
def test_bool_any_nonzero_byte_is_true(data):
    # bool views of arbitrary bytes (0x10, 0xff, ...): NumPy squares them to
    # int8 1, and so must ndkern, whatever the layout
    x = data.draw(views(np.dtype(np.uint8), max_dims=4)).view(BOOL)
    assert_identical(ndkern.square_array(x), np.square(x))
    out = np.full(x.shape, 7, np.int16)
    ndkern.square_array(x, out=out)
    assert_identical(out, np.square(x, out=np.full(x.shape, 7, np.int16)))


def test_bool_squares_to_int8_like_numpy():
    x = np.frombuffer(bytes([0, 1, 0x10, 0xff, 0x80, 0]), dtype=bool).reshape(2, 3)[:, ::-1]
    assert_identical(ndkern.square_array(x), np.square(x))
    assert ndkern.square_array(x).dtype == np.int8
    assert_identical(ndkern.square_array(True), np.square(True))


def test_list_input():
    assert_identical(ndkern.square_array([[1, -2], [3, 4]]), np.square([[1, -2], [3, 4]]))


def test_float16_is_rounded_once():
    # every float16 bit pattern, bit for bit (NaN payloads too), in C at
    # every SIMD level: widened to float32 the square is exact
    x = np.arange(2**16, dtype=np.uint16).view(np.float16)
    with np.errstate(all="ignore"):
        want = np.square(x)
    for got in (ndkern.square_array(x), ndkern.square_array(x[::-1])[::-1]):
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))


@pytest.mark.parametrize("shift", [1, -1, 3])
def test_out_overlapping_input_gives_numpys_answer(shift):
    data = np.arange(20, dtype=np.float64) - 7.5
    expected = data.copy()
    x, out = (data[:-shift], data[shift:]) if shift > 0 else (data[-shift:], data[:shift])
    ex, eout = ((expected[:-shift], expected[shift:]) if shift > 0
                else (expected[-shift:], expected[:shift]))
    np.square(ex.copy(), out=eout)
    ndkern.square_array(x, out=out)
    assert_identical(data, expected)


def test_out_reversed_self():
    data = np.arange(10, dtype=np.int32)
    ndkern.square_array(data, out=data[::-1])
    assert_identical(data, np.square(np.arange(10, dtype=np.int32))[::-1])


def test_out_cast_same_kind_like_numpy():
    x = np.linspace(-3, 3, 7)
    out = np.empty(7, np.float32)
    ndkern.square_array(x, out=out)
    assert_identical(out, np.square(x, out=np.empty(7, np.float32)))
    half = np.array([0.1, 300.0], np.float16)
    out = np.empty(2, np.float32)
    ndkern.square_array(half, out=out)  # NumPy squares in float16, then casts
    with np.errstate(over="ignore"):
        assert_identical(out, np.square(half, out=np.empty(2, np.float32)))


def test_out_errors():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match="cast"):
        ndkern.square_array(x, out=np.empty((2, 3), np.int64))
    with pytest.raises(ValueError, match="shape"):
        ndkern.square_array(x, out=np.empty((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        ndkern.square_array(x, out=np.empty((1, 2, 3)))
    with pytest.raises(TypeError, match="ndarray"):
        ndkern.square_array(x, out=[[0.0] * 3] * 2)
    read_only = np.empty((2, 3))
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ndkern.square_array(x, out=read_only)


def test_large_arrays_all_dtypes():
    rng = np.random.default_rng(7)
    from ndkern_testing import random_values
    for dtype in ALL_DTYPES:
        x = random_values(rng, dtype, (301, 1021))
        with np.errstate(all="ignore"):
            assert_square(ndkern.square_array(x), x)
            assert_square(ndkern.square_array(x[::-2, 1::3].T), x[::-2, 1::3].T)
