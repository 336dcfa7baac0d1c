"""convolve2d and correlate2d: scipy.signal's functions computed by libndkern."""

from typing import Any, Optional

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import buffer_out, check_out, data_pointer
from ._conventions import convolve_arguments, convolve_output_shape, fill_element
from ._errors import call_checked
from ._library import ffi, lib

__all__ = ["convolve2d", "correlate2d"]


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0, *, out: Optional[Any] = None) -> Any:
    """2-D convolution, as ``scipy.signal.convolve2d(in1, in2, mode, boundary, fillvalue)``.

    The result dtype is ``numpy.result_type(in1, in2)``; bool, float16 and
    types libndkern lacks raise TypeError.  `out`, if given, must be a
    writeable array of the result's shape and dtype, or a writable buffer
    (array.array, memoryview, mmap) of the result's dtype and size.
    """
    return _convolve(lib.convolve2d, "convolve2d", in1, in2, mode, boundary, fillvalue, out)


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0, *, out: Optional[Any] = None) -> Any:
    """2-D cross-correlation, as ``scipy.signal.correlate2d``; arguments as convolve2d."""
    return _convolve(lib.ndkern_correlate2d, "correlate2d", in1, in2, mode, boundary,
                     fillvalue, out)


def _convolve(c_function, name, in1, in2, mode, boundary, fillvalue, out):
    image, kernel = np.asarray(in1), np.asarray(in2)
    mode_code, boundary_code, dtype, code = convolve_arguments(name, image, kernel, mode,
                                                               boundary)
    image, kernel = np.asarray(image, dtype), np.asarray(kernel, dtype)  # no copy if already dtype
    shape = convolve_output_shape(mode_code, image.shape, kernel.shape)
    fill = fill_element(fillvalue, dtype) if boundary_code == lib.NDKERN_BOUNDARY_FILL else None
    if out is None:
        out = result = np.empty(shape, dtype)
    elif isinstance(out, np.ndarray):
        check_out(out, shape, name)
        if out.dtype != dtype:
            raise TypeError(f"{name}: out has dtype {out.dtype}, but the result has dtype {dtype}")
        result = out
    else:
        result = buffer_out(out, shape, dtype, name)
    fill_pointer = ffi.NULL if fill is None else ffi.from_buffer(fill)
    call_checked(name, lambda image, kernel: c_function(
        data_pointer(image), image.shape, image.strides,
        data_pointer(kernel), kernel.shape, kernel.strides,
        data_pointer(result), result.shape, result.strides, code, mode_code, boundary_code,
        fill_pointer), image, kernel)
    return out
