"""How ndkern reads NumPy/SciPy arguments: modes, boundaries, result shapes
and dtypes.

The public functions and the Dask adapters (ndkern.dask) both use this
module, so they accept and reject the same arguments with the same messages
(SciPy's and NumPy's own).  Everything here is internal but stable within
the package: the names in __all__ are what other modules may import.
"""

import numpy as np

from ._arrays import code_of
from ._library import lib

__all__ = ["convolve_arguments", "convolve_method", "convolve_output_shape", "fill_element",
           "square_result_dtype", "sum_default_dtype"]

# Names as scipy.signal accepts them, with its error messages.
_MODES = {"full": lib.NDKERN_MODE_FULL, "same": lib.NDKERN_MODE_SAME,
          "valid": lib.NDKERN_MODE_VALID}
_BOUNDARIES = {"fill": lib.NDKERN_BOUNDARY_FILL, "pad": lib.NDKERN_BOUNDARY_FILL,
               "wrap": lib.NDKERN_BOUNDARY_WRAP, "circular": lib.NDKERN_BOUNDARY_WRAP,
               "symm": lib.NDKERN_BOUNDARY_SYMM, "symmetric": lib.NDKERN_BOUNDARY_SYMM}
_METHODS = {"direct": lib.NDKERN_METHOD_DIRECT, "fft": lib.NDKERN_METHOD_FFT,
            "auto": lib.NDKERN_METHOD_AUTO}
_BAD_MODE = "Acceptable mode flags are 'valid', 'same', or 'full'."
_BAD_METHOD = "Acceptable method flags are 'auto', 'direct', or 'fft'."
_BAD_BOUNDARY = ("Acceptable boundary flags are 'fill', 'circular' (or 'wrap'), "
                 "and 'symmetric' (or 'symm').")
# dtypes libndkern has but does not convolve: scipy.signal.convolve2d has no
# loop for them either (it raises "convolve2d not available for this type").
_NOT_CONVOLVED = (np.dtype(np.bool_), np.dtype(np.float16))


def convolve_arguments(name, image, kernel, mode, boundary):
    """(mode code, boundary code, result dtype, its dtype code) for
    convolve2d/correlate2d of `image` and `kernel` (arrays with .ndim and
    .dtype); scipy.signal's ValueError, or TypeError for a dtype libndkern
    lacks."""
    if not image.ndim == kernel.ndim == 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    mode_code = _code(_MODES, mode, _BAD_MODE)
    boundary_code = _code(_BOUNDARIES, boundary, _BAD_BOUNDARY)
    dtype = np.result_type(image.dtype, kernel.dtype).newbyteorder("=")
    if dtype in _NOT_CONVOLVED:
        raise TypeError(f"{name}: unsupported dtype {dtype} (scipy.signal has no {dtype} "
                        f"convolution either; convert the inputs to float32)")
    return mode_code, boundary_code, dtype, code_of(dtype, name)


def convolve_method(method):
    """The NDKERN_METHOD_* code of 'direct', 'fft' or 'auto'; ValueError else."""
    return _code(_METHODS, method, _BAD_METHOD)


def _code(codes, name, message):
    try:
        return codes[name]
    except (KeyError, TypeError):
        raise ValueError(message) from None


def convolve_output_shape(mode_code, image_shape, kernel_shape):
    """The result's shape in mode `mode_code`; SciPy's ValueError if none."""
    if mode_code == lib.NDKERN_MODE_SAME:
        return image_shape
    if mode_code == lib.NDKERN_MODE_FULL:
        shape = tuple(m + n - 1 for m, n in zip(image_shape, kernel_shape))
        if min(shape) < 0:
            raise ValueError("negative dimensions are not allowed")
        return shape
    image_larger = all(m >= n for m, n in zip(image_shape, kernel_shape))
    kernel_larger = all(n >= m for m, n in zip(image_shape, kernel_shape))
    if not (image_larger or kernel_larger):
        raise ValueError("For 'valid' mode, one must be at least as large as the other "
                         "in every dimension")
    return tuple(abs(m - n) + 1 for m, n in zip(image_shape, kernel_shape))


def fill_element(fillvalue, dtype):
    """`fillvalue` as a one-element array of `dtype` (NumPy astype semantics)."""
    value = np.asarray(fillvalue)
    if value.size != 1:
        raise ValueError("`fillvalue` cannot be an empty array." if value.size == 0 else
                         "`fillvalue` must be scalar or an array with one element.")
    value = value.reshape(1)
    if value.dtype.kind == "c" and dtype.kind != "c":
        if value.imag[0] != 0:
            raise ValueError(f"could not cast `fillvalue` directly to the output type {dtype}: "
                             f"it has a nonzero imaginary part ({fillvalue!r})")
        value = value.real
    return value.astype(dtype)


def square_result_dtype(dtype):
    """numpy.square's result dtype: int8 for bool (NumPy has no bool square
    loop and squares 0 and 1 as int8, in NumPy 1.x and 2.x alike), else the
    input's."""
    return np.dtype(np.int8) if dtype.kind == "b" else dtype


def sum_default_dtype(dtype):
    """numpy.sum's result dtype: bool and signed -> int64, unsigned -> uint64."""
    if dtype.kind in "bi":
        return np.dtype(np.int64)
    if dtype.kind == "u":
        return np.dtype(np.uint64)
    return dtype
