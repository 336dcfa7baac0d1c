"""The C ABI without the Python package: plain ctypes with hand-written
declarations, on NumPy arrays.  The dtype/mode/boundary numbers are the
enum values of ndkern.h, which the ABI promises never change."""

import ctypes
import os

import numpy as np
import pytest
from scipy import signal

NDKERN_INT32, NDKERN_INT64, NDKERN_FLOAT64, NDKERN_COMPLEX128 = 2, 3, 9, 11
NDKERN_MODE_FULL, NDKERN_MODE_SAME = 0, 1
NDKERN_BOUNDARY_FILL, NDKERN_BOUNDARY_WRAP = 0, 1
NDKERN_EDTYPE = -2

Int64Pointer = ctypes.POINTER(ctypes.c_int64)


@pytest.fixture(scope="module")
def clib():
    path = os.environ.get("NDKERN_LIBRARY")
    if not path:
        pytest.skip("NDKERN_LIBRARY is not set (make check-local sets it)")
    library = ctypes.CDLL(path)
    library.square_array.argtypes = [ctypes.c_void_p, Int64Pointer, ctypes.c_void_p, Int64Pointer,
                                     ctypes.c_int, Int64Pointer, ctypes.c_int]
    library.sum_array.argtypes = [ctypes.c_void_p, Int64Pointer, ctypes.c_int, Int64Pointer,
                                  ctypes.c_int, ctypes.c_int, ctypes.c_void_p, Int64Pointer,
                                  ctypes.c_int]
    library.convolve2d.argtypes = [ctypes.c_void_p, Int64Pointer, Int64Pointer] * 3 + [
        ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    library.ndkern_strerror.argtypes = [ctypes.c_int]
    library.ndkern_strerror.restype = ctypes.c_char_p
    for function in (library.square_array, library.sum_array, library.convolve2d):
        function.restype = ctypes.c_int
    return library


def int64s(values):
    values = list(values)
    return (ctypes.c_int64 * max(len(values), 1))(*values)


def test_square_array(clib):
    x = np.linspace(-4, 4, 60).reshape(6, 10)[::-1, ::3]  # a strided view
    out = np.empty(x.shape)
    status = clib.square_array(x.ctypes.data, int64s(x.strides), out.ctypes.data,
                               int64s(out.strides), x.ndim, int64s(x.shape), NDKERN_FLOAT64)
    assert status == 0
    np.testing.assert_array_equal(out, np.square(x))


def test_sum_array(clib):
    x = (np.arange(60, dtype=np.int32) * 977 - 5000).reshape(3, 4, 5)
    out = np.empty(3, np.int64)
    status = clib.sum_array(x.ctypes.data, int64s(x.strides), 3, int64s(x.shape), NDKERN_INT32,
                            2, out.ctypes.data, int64s(out.strides), NDKERN_INT64)
    assert status == 0
    np.testing.assert_array_equal(out, np.sum(x, axis=(1, 2)))
    total = np.empty((), np.complex128)
    c = np.array([1 + 2j, 3 - 4j, 0.5j])
    status = clib.sum_array(c.ctypes.data, int64s(c.strides), 1, int64s(c.shape),
                            NDKERN_COMPLEX128, 1, total.ctypes.data, None, NDKERN_COMPLEX128)
    assert status == 0 and total == np.sum(c)


def test_convolve2d(clib):
    f = np.arange(100 * 100, dtype=np.int64).reshape(100, 100)
    g = np.arange(81, dtype=np.int64).reshape(9, 9)
    for mode, boundary, shape, name, bname in [
            (NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, (108, 108), "full", "fill"),
            (NDKERN_MODE_SAME, NDKERN_BOUNDARY_WRAP, (100, 100), "same", "wrap")]:
        h = np.empty(shape, np.int64)
        status = clib.convolve2d(f.ctypes.data, int64s(f.shape), int64s(f.strides),
                                 g.ctypes.data, int64s(g.shape), int64s(g.strides),
                                 h.ctypes.data, int64s(h.shape), int64s(h.strides),
                                 NDKERN_INT64, mode, boundary, None)
        assert status == 0
        np.testing.assert_array_equal(h, signal.convolve2d(f, g, name, bname))


def test_errors_are_codes(clib):
    x = np.ones(3)
    status = clib.square_array(x.ctypes.data, int64s(x.strides), x.ctypes.data,
                               int64s(x.strides), 1, int64s(x.shape), 14)  # past FLOAT16
    assert status == NDKERN_EDTYPE
    assert clib.ndkern_strerror(status)
    assert clib.ndkern_strerror(-12345)  # never NULL
