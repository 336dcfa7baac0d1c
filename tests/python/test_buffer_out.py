"""Writable buffer-protocol objects as `out=`: array.array, a bytearray or an
mmap viewed with the result's format (memoryview.cast), memoryview slices.
Each is written in place (the object itself holds the result afterwards and
is returned), every function agrees with NumPy/SciPy, read-only buffers
raise ValueError and a format other than the result's raises TypeError."""

import array
import mmap

import numpy as np
import pytest
from scipy import signal

import ndkern

# dtype -> the array.array typecode with that layout (array.array has no complex).
TYPECODES = {np.dtype(code): code for code in "bhilqBHILQfd"}
SHAPE = (3, 4)


def flat_array(dtype, count):
    return array.array(TYPECODES[dtype], bytes(count * dtype.itemsize))


def cast_bytearray(dtype, count):
    return memoryview(bytearray(count * dtype.itemsize)).cast(dtype.char)


def cast_mmap(dtype, count):
    return memoryview(mmap.mmap(-1, count * dtype.itemsize)).cast(dtype.char)


def every_other(dtype, count):
    """A strided memoryview: every other element of a longer array.array."""
    return memoryview(flat_array(dtype, 2 * count))[1::2]


def numpy_memoryview(dtype, count):
    """A plain memoryview of NumPy memory (complex formats such as 'Zd')."""
    return memoryview(np.zeros(count, dtype))


KINDS = {"array.array": flat_array, "bytearray cast": cast_bytearray, "mmap cast": cast_mmap,
         "memoryview[1::2]": every_other, "memoryview of numpy": numpy_memoryview}
CASES = [(kind, np.dtype(dtype)) for kind in KINDS
         for dtype in ("int8", "int16", "int32", "int64", "uint8", "uint32", "uint64",
                       "float32", "float64", "complex64", "complex128")
         if kind == "memoryview of numpy" or np.dtype(dtype) in TYPECODES]


def inputs(dtype):
    rng = np.random.default_rng(3)
    x = rng.integers(-5, 6, SHAPE).astype(dtype) if dtype.kind != "u" else \
        rng.integers(0, 6, SHAPE).astype(dtype)
    kernel = np.array([[1, 2], [0, 1]], dtype)
    return x, kernel


def written(buffer, shape):
    """What `buffer` now holds, read through the buffer object itself."""
    values = np.asarray(memoryview(buffer))
    return values.reshape(shape) if values.shape != shape else values


def functions(dtype):
    """(name, call(out), NumPy/SciPy reference, result shape) for every function."""
    x, kernel = inputs(dtype)
    sum_dtype = {"i": np.int64, "u": np.uint64}.get(dtype.kind, dtype)
    return [
        ("square_array", lambda out: ndkern.square_array(x, out=out), np.square(x), SHAPE),
        ("sum_array", lambda out: ndkern.sum_array(x, axis=0, dtype=sum_dtype, out=out),
         np.sum(x, axis=0, dtype=sum_dtype), (SHAPE[1],)),
        ("convolve2d", lambda out: ndkern.convolve2d(x, kernel, "same", out=out),
         signal.convolve2d(x, kernel, "same"), SHAPE),
        ("correlate2d", lambda out: ndkern.correlate2d(x, kernel, "same", "wrap", out=out),
         signal.correlate2d(x, kernel, "same", "wrap"), SHAPE),
    ]


@pytest.mark.parametrize("kind, dtype", CASES, ids=[f"{k}-{d}" for k, d in CASES])
def test_every_function_writes_into_the_buffer(kind, dtype):
    for name, call, expected, shape in functions(dtype):
        buffer = KINDS[kind](expected.dtype, expected.size)
        assert call(buffer) is buffer, name
        np.testing.assert_array_equal(written(buffer, shape), expected, err_msg=name)


def test_in_place_and_overlapping_buffers():
    values = array.array("d", [1.0, -2.0, 3.0, 4.0, 5.0])
    assert ndkern.square_array(values, out=values) is values
    assert list(values) == [1.0, 4.0, 9.0, 16.0, 25.0]
    view = memoryview(values)
    ndkern.square_array(view[:-1], out=view[1:])  # overlaps other than exactly
    assert list(values) == [1.0, 1.0, 16.0, 81.0, 256.0]


def test_raw_bytes_are_uint8():
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = bytearray(12)
    ndkern.square_array(x, out=out)
    assert out == np.square(x).tobytes()


def test_zero_copy():
    """The result lands in the buffer's own memory, at its own address."""
    buffer = cast_bytearray(np.dtype(np.float64), 12)
    address = np.asarray(buffer).__array_interface__["data"][0]
    x = np.arange(12.0).reshape(3, 4)
    seen = []
    original = ndkern._square.lib.square_array

    class Spy:
        def square_array(self, x_pointer, x_strides, out_pointer, *rest):
            seen.append(int(ndkern._library.ffi.cast("uintptr_t", out_pointer)))
            return original(x_pointer, x_strides, out_pointer, *rest)

    ndkern._square.lib = Spy()
    try:
        ndkern.square_array(x, out=buffer)
    finally:
        ndkern._square.lib = ndkern._library.lib
    assert seen == [address]


X = np.arange(12.0).reshape(3, 4)
# Every function, each with a float64 result of 12 elements.
FLOAT64_CALLS = {
    "square_array": lambda out: ndkern.square_array(X, out=out),
    "sum_array": lambda out: ndkern.sum_array(X.reshape(12, 1), axis=1, out=out),
    "convolve2d": lambda out: ndkern.convolve2d(X, [[1.0]], out=out),
    "correlate2d": lambda out: ndkern.correlate2d(X, [[1.0]], out=out),
}
READ_ONLY = {
    "bytes": lambda: bytes(96),
    "toreadonly": lambda: memoryview(bytearray(96)).cast("d").toreadonly(),
    "mmap ACCESS_READ": lambda: memoryview(mmap.mmap(-1, 96, access=mmap.ACCESS_READ)).cast("d"),
}
OTHER_FORMATS = {
    "float32": lambda: array.array("f", bytes(48)), "raw bytes": lambda: bytearray(96),
    "int64": lambda: array.array("q", bytes(96)),
    "uint64": lambda: memoryview(bytearray(96)).cast("Q"),
}


@pytest.mark.parametrize("function", FLOAT64_CALLS)
@pytest.mark.parametrize("buffer", READ_ONLY)
def test_read_only_buffers_raise_value_error(function, buffer):
    with pytest.raises(ValueError, match="read-only"):
        FLOAT64_CALLS[function](READ_ONLY[buffer]())


@pytest.mark.parametrize("function", FLOAT64_CALLS)
@pytest.mark.parametrize("buffer", OTHER_FORMATS)
def test_other_formats_raise_type_error(function, buffer):
    with pytest.raises(TypeError, match="format"):
        FLOAT64_CALLS[function](OTHER_FORMATS[buffer]())


def test_wrong_sizes_and_layouts_raise_value_error():
    x = np.arange(12.0).reshape(3, 4)
    with pytest.raises(ValueError, match="shape"):
        ndkern.square_array(x, out=array.array("d", bytes(8 * 11)))
    with pytest.raises(ValueError, match="view"):  # (4, 3) Fortran order: no (3, 4) view
        ndkern.square_array(x, out=memoryview(np.zeros((3, 4)).T))
    with pytest.raises(TypeError, match="buffer"):
        ndkern.square_array(x, out=[0.0] * 12)
