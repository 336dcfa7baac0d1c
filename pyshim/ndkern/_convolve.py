"""convolve2d and correlate2d: scipy.signal's functions computed by libndkern."""

import numpy as np

from ._arrays import check_out, code_of, data_pointer
from ._errors import EOVERLAP, check_status
from ._library import ffi, lib

__all__ = ["convolve2d", "correlate2d", "choose_conv_method"]

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
# Integer 'fft' is allowed when the result is exact in double (SciPy's rule).
_EXACT_LIMIT = 2 ** np.finfo(np.float64).nmant - 1
_BAD_BOUNDARY = ("Acceptable boundary flags are 'fill', 'circular' (or 'wrap'), "
                 "and 'symmetric' (or 'symm').")


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0, *, out=None,
               method="direct"):
    """2-D convolution, as ``scipy.signal.convolve2d(in1, in2, mode, boundary, fillvalue)``.

    The result dtype is ``numpy.result_type(in1, in2)``; bool, float16 and
    types libndkern lacks raise TypeError.  `out`, if given, must be a
    writeable array of the result's shape and dtype.  `method` is 'direct'
    (the default: exactly scipy.signal.convolve2d), 'fft' (the same sums by
    FFT, for large kernels; integers only when the result is exact in double,
    else ValueError) or 'auto' (the faster of the two by libndkern's cost
    model; integers stay direct).
    """
    return _convolve(0, "convolve2d", in1, in2, mode, boundary, fillvalue, out, method)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0, *, out=None,
                method="direct"):
    """2-D cross-correlation, as ``scipy.signal.correlate2d``; arguments as convolve2d."""
    return _convolve(1, "correlate2d", in1, in2, mode, boundary, fillvalue, out, method)


def choose_conv_method(in1, in2, mode="full"):
    """'direct' or 'fft': what ``method='auto'`` picks for these inputs, as
    ``scipy.signal.choose_conv_method`` (from shapes and dtype; a rank-1
    kernel, which the direct method runs in two passes, may still get
    'direct' from 'auto')."""
    image, kernel = np.asarray(in1), np.asarray(in2)
    if not image.ndim == kernel.ndim == 2:
        raise ValueError("choose_conv_method inputs must both be 2-D arrays")
    mode_code = _code(_MODES, mode, _BAD_MODE)
    _output_shape(mode_code, image.shape, kernel.shape)  # SciPy's ValueErrors
    dtype = np.result_type(image.dtype, kernel.dtype).newbyteorder("=")
    choice = lib.ndkern_choose_conv_method(image.shape, kernel.shape,
                                           code_of(dtype, "choose_conv_method"), mode_code)
    check_status(min(choice, 0), "choose_conv_method")
    return "fft" if choice == lib.NDKERN_METHOD_FFT else "direct"


def _convolve(correlate, name, in1, in2, mode, boundary, fillvalue, out, method):
    image, kernel = np.asarray(in1), np.asarray(in2)
    if not image.ndim == kernel.ndim == 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays")
    mode_code = _code(_MODES, mode, _BAD_MODE)
    boundary_code = _code(_BOUNDARIES, boundary, _BAD_BOUNDARY)
    method_code = _code(_METHODS, method, _BAD_METHOD)
    dtype = np.result_type(image.dtype, kernel.dtype).newbyteorder("=")
    code = code_of(dtype, name)
    image, kernel = np.asarray(image, dtype), np.asarray(kernel, dtype)  # no copy if already dtype
    if method_code == lib.NDKERN_METHOD_FFT and dtype.kind in "iu":
        return _integer_fft(correlate, name, image, kernel, mode, boundary, fillvalue, out)
    shape = _output_shape(mode_code, image.shape, kernel.shape)
    fill = _fill_element(fillvalue, dtype) if boundary_code == lib.NDKERN_BOUNDARY_FILL else None
    if out is None:
        out = np.empty(shape, dtype)
    else:
        check_out(out, shape, name)
        if out.dtype != dtype:
            raise TypeError(f"{name}: out has dtype {out.dtype}, but the result has dtype {dtype}")

    # 'direct' calls convolve2d / ndkern_correlate2d themselves.
    direct = lib.ndkern_correlate2d if correlate else lib.convolve2d
    method_args = () if method_code == lib.NDKERN_METHOD_DIRECT else (correlate, method_code)

    def call(image, kernel):
        c_function = lib.ndkern_convolve2d_method if method_args else direct
        return c_function(data_pointer(image), image.shape, image.strides,
                          data_pointer(kernel), kernel.shape, kernel.strides,
                          data_pointer(out), out.shape, out.strides, code, mode_code,
                          boundary_code, ffi.NULL if fill is None else ffi.from_buffer(fill),
                          *method_args)

    status = call(image, kernel)
    if status == EOVERLAP:  # out overlaps an input: convolve copies of the inputs
        status = call(image.copy(), kernel.copy())
    if status:
        check_status(status, name)
    return out


def _integer_fft(correlate, name, image, kernel, mode, boundary, fillvalue, out):
    """Integer 'fft': in float64 and rounded, when max|f| * max|g| * min(size) <
    2^52 makes the result exact in double (SciPy's rule; f includes the fill
    value), else ValueError.  Wraps to the integer type as the direct sum."""
    fill = _fill_element(fillvalue, image.dtype) if _BOUNDARIES[boundary] == \
        lib.NDKERN_BOUNDARY_FILL else image[:0]
    largest = [max((max(abs(int(a.min())), abs(int(a.max()))) for a in arrays if a.size),
                   default=0) for arrays in ((image, fill), (kernel,))]
    if largest[0] * largest[1] * min(image.size, kernel.size) > _EXACT_LIMIT:
        raise ValueError(f"{name}: method='fft' on integers needs max|in1| * max|in2| * "
                         f"min(in1.size, in2.size) < 2**52 (the result exact in double); "
                         f"use method='direct'")
    fill_value = float(fill[0]) if fill.size else 0.0
    exact = _convolve(correlate, name, image.astype(np.float64), kernel.astype(np.float64),
                      mode, boundary, fill_value, None, "fft")
    result = np.rint(exact).astype(np.int64).astype(image.dtype)
    if out is None:
        return result
    check_out(out, result.shape, name)
    if out.dtype != result.dtype:
        raise TypeError(f"{name}: out has dtype {out.dtype}, but the result has dtype "
                        f"{result.dtype}")
    out[...] = result
    return out


def _code(codes, name, message):
    try:
        return codes[name]
    except (KeyError, TypeError):
        raise ValueError(message) from None


def _output_shape(mode_code, image_shape, kernel_shape):
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


def _fill_element(fillvalue, dtype):
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
