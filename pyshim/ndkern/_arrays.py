"""Marshalling between array-likes and libndkern's (pointer, strides) arrays.

Arrays are passed to C as the address of element 0 plus NumPy's own byte
strides, so views (steps, transposes, negative steps, zero strides) are
never copied.  Copies happen only where C cannot read the data as it is:
non-native byte order.
"""

import math

import numpy as np

from ._library import ffi, lib

__all__ = ["C_CODES", "INT64_ARRAYS", "code_of", "native", "readable", "data_pointer",
           "check_out", "buffer_out", "finish"]

_CODE_OF_KIND_SIZE = {
    ("i", 1): lib.NDKERN_INT8, ("i", 2): lib.NDKERN_INT16,
    ("i", 4): lib.NDKERN_INT32, ("i", 8): lib.NDKERN_INT64,
    ("u", 1): lib.NDKERN_UINT8, ("u", 2): lib.NDKERN_UINT16,
    ("u", 4): lib.NDKERN_UINT32, ("u", 8): lib.NDKERN_UINT64,
    ("f", 4): lib.NDKERN_FLOAT32, ("f", 8): lib.NDKERN_FLOAT64,
    ("c", 8): lib.NDKERN_COMPLEX64, ("c", 16): lib.NDKERN_COMPLEX128,
    ("b", 1): lib.NDKERN_BOOL, ("f", 2): lib.NDKERN_FLOAT16,
}

# Every native NumPy dtype libndkern reads as it is, keyed by the dtype
# itself so the common case costs one dict lookup ('l' and 'q' both land here).
C_CODES = {}
for _char in "?" + np.typecodes["AllInteger"] + np.typecodes["AllFloat"]:
    _dtype = np.dtype(_char)
    if (_dtype.kind, _dtype.itemsize) in _CODE_OF_KIND_SIZE:
        C_CODES[_dtype] = _CODE_OF_KIND_SIZE[_dtype.kind, _dtype.itemsize]
del _char, _dtype

_SUPPORTED = ", ".join(str(dtype) for dtype in dict.fromkeys(C_CODES))


def code_of(dtype, function):
    """The enum ndkern_dtype value of a native dtype; TypeError naming it otherwise."""
    code = C_CODES.get(dtype)
    if code is None:
        raise TypeError(f"{function}: unsupported dtype {dtype} "
                        f"(libndkern supports {_SUPPORTED})")
    return code


def native(array):
    """`array` in native byte order (a converted copy only when it is not)."""
    if array.dtype.isnative:
        return array
    return array.astype(array.dtype.newbyteorder("="))


def readable(array, function):
    """(`array`, its dtype code) for a native array; TypeError if C has no
    code for its dtype.  C reads every dtype it has a code for as it is
    (bool: any nonzero byte is True; float16: IEEE binary16)."""
    return array, code_of(array.dtype, function)


# ffi.from_buffer sorts out its optional first argument in Python, then
# calls its backend's from_buffer (the _cffi_backend module); calling that
# directly saves ~0.09 µs per array, a tenth of a 10-element sum_array's
# overhead.  Same arguments and errors; the public method takes them too,
# should a cffi lack the attribute.
_from_buffer = getattr(ffi, "_backend", ffi).from_buffer
_CHAR_ARRAY = ffi.typeof("char[]")


def data_pointer(array):
    """A `void *` to element 0 of `array`; the caller keeps `array` referenced
    until the C call returns.

    ffi.from_buffer is the cheap route but refuses non-C-contiguous arrays;
    those pass the array interface's address instead, still without a copy.
    """
    try:
        return _from_buffer(_CHAR_ARRAY, array)
    except ValueError:
        return ffi.cast("void *", array.__array_interface__["data"][0])


class _Int64Arrays(dict):
    """Tuples of ints (shapes, byte strides) -> C ``int64_t[]`` arrays, made
    on first use: cffi converts a tuple argument anew on every call, which
    costs more than this lookup.  C only reads them and they are never
    modified, so threads share them; the dict is emptied past a bound."""

    def __missing__(self, values):
        if len(self) >= _INT64_ARRAYS_LIMIT:
            self.clear()
        array = self[values] = ffi.new("int64_t[]", values)
        return array


_INT64_ARRAYS_LIMIT = 1024
INT64_ARRAYS = _Int64Arrays()


def check_out(out, shape, function):
    """Validate a user `out` array the way NumPy does (shape must match exactly)."""
    if not out.flags.writeable:
        raise ValueError(f"{function}: output array is read-only")
    if out.shape != shape:
        raise ValueError(f"{function}: out has shape {out.shape}, but the result has shape {shape}")


def buffer_out(out, shape, dtype, function):
    """A zero-copy ndarray view of `out`, a writable buffer-protocol object
    (array.array, memoryview, mmap, ...) to write a result of `shape` and
    `dtype` into.

    NumPy has no casting rule for plain buffers, so the buffer's format must
    be the result's dtype exactly (TypeError otherwise).  Its shape must be
    the result's, or have as many elements and reshape to it without a copy
    (a flat array.array for a 2-D result); read-only buffers raise ValueError.
    """
    try:
        view = memoryview(out)
    except TypeError:
        raise TypeError(f"{function}: out must be a numpy.ndarray or a writable buffer, "
                        f"not {type(out).__name__}") from None
    if view.readonly:
        raise ValueError(f"{function}: out is a read-only buffer ({type(out).__name__})")
    try:
        array = np.asarray(view)
    except (ValueError, TypeError, NotImplementedError):  # a format NumPy cannot read
        array = None
    if array is None or array.dtype != dtype:
        raise TypeError(f"{function}: out has buffer format {view.format!r}, but the result "
                        f"has dtype {dtype} (use memoryview(out).cast(...) to match)")
    if array.shape == shape:
        return array
    if array.size == math.prod(shape):
        reshaped = array.reshape(shape)
        if np.may_share_memory(reshaped, array):  # a view of the buffer, not a copy
            return reshaped
    raise ValueError(f"{function}: out has shape {array.shape}, which is not the result's "
                     f"shape {shape} nor a view of it")


def finish(result, out):
    """What a NumPy function returns: `out` if given, a scalar for 0-d results."""
    if out is not None:
        return out
    return result if result.ndim else result[()]
