"""convolve2d and correlate2d: scipy.signal's functions computed by libndkern."""

import math
from typing import Any, Dict, Optional

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import INT64_ARRAYS, buffer_out, check_out, data_pointer
from ._conventions import (convolve_arguments, convolve_method, convolve_output_shape,
                           fill_element)
from ._errors import check_status, retry_or_raise
from ._library import ffi, lib
from . import _numpy_semantics as semantics

__all__ = ["convolve2d", "correlate2d", "choose_conv_method", "stack_arguments"]

# Integer 'fft' is allowed when the result is exact in double (SciPy's rule).
_EXACT_LIMIT = 2 ** np.finfo(np.float64).nmant - 1


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0, *, out: Optional[Any] = None, method: str = "direct") -> Any:
    """2-D convolution, as ``scipy.signal.convolve2d(in1, in2, mode, boundary, fillvalue)``.

    Stacks: arrays with more than two axes are stacks of images (kernels)
    along their leading axes, which broadcast like a NumPy generalized ufunc
    with signature ``(m,n),(k,l)->(p,q)``: a stack of images with one kernel,
    a kernel per image, or any shapes ``numpy.broadcast_shapes`` accepts for
    the leading axes.  Image i of the result equals the 2-D call on the
    images at index i, bit for bit, and the whole stack is one C call
    (``ndkern_convolve2d_batched``).  `out` then has the broadcast shape.

    The result dtype is ``numpy.result_type(in1, in2)``; bool, float16 and
    types libndkern lacks raise TypeError.  `out`, if given, must be a
    writeable array of the result's shape and dtype, or a writable buffer
    (array.array, memoryview, mmap) of the result's dtype and size.  The
    result is computed, then assigned to `out` as ``out[...] = result``
    (NumPy's final memory even when `out` overlaps the inputs or itself,
    or has zero strides).
    `method` is 'direct' (the default: exactly scipy.signal.convolve2d),
    'fft' (the same sums by FFT, for large kernels; integers only when the
    result is exact in double, else ValueError) or 'auto' (the faster of the
    two by libndkern's cost model; integers stay direct).
    """
    return _convolve(0, "convolve2d", in1, in2, mode, boundary, fillvalue, out, method)


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0, *, out: Optional[Any] = None, method: str = "direct") -> Any:
    """2-D cross-correlation, as ``scipy.signal.correlate2d``; arguments as convolve2d."""
    return _convolve(1, "correlate2d", in1, in2, mode, boundary, fillvalue, out, method)


def choose_conv_method(in1: ArrayLike, in2: ArrayLike, mode: str = "full") -> str:
    """'direct' or 'fft': what ``method='auto'`` picks for these inputs, as
    ``scipy.signal.choose_conv_method`` (from shapes and dtype; a rank-1
    kernel, which the direct method runs in two passes, may still get
    'direct' from 'auto')."""
    image, kernel = np.asarray(in1), np.asarray(in2)
    mode_code, _, _, code = convolve_arguments("choose_conv_method", image, kernel, mode, "fill")
    convolve_output_shape(mode_code, image.shape, kernel.shape)  # SciPy's ValueErrors
    choice = lib.ndkern_choose_conv_method(image.shape, kernel.shape, code, mode_code)
    check_status(min(choice, 0), "choose_conv_method")
    return "fft" if choice == lib.NDKERN_METHOD_FFT else "direct"


def _convolve(correlate, name, in1, in2, mode, boundary, fillvalue, out, method):
    image, kernel = np.asarray(in1), np.asarray(in2)
    if image.ndim != 2 or kernel.ndim != 2:
        return _convolve_stack(correlate, name, image, kernel, mode, boundary, fillvalue, out,
                               method)
    plan = _plan(name, image, kernel, mode, boundary, method)
    mode_code, boundary_code, dtype, code, method_code, shape, dims = plan
    if dims is None:  # the inputs change dtype: their copies have strides of their own
        image, kernel = np.asarray(image, dtype), np.asarray(kernel, dtype)
    if shape is None:
        return _integer_fft(correlate, name, image, kernel, mode, boundary, fillvalue, out)
    # NULL is a zero fill value to C: the default fillvalue=0 needs no conversion.
    fill_pointer = ffi.NULL
    zero_fill = type(fillvalue) is int and fillvalue == 0
    if boundary_code == lib.NDKERN_BOUNDARY_FILL and not zero_fill:
        fill_pointer = ffi.from_buffer(fill_element(fillvalue, dtype))
    if out is None:
        out = result = np.empty(shape, dtype)
    else:  # of the plan's shape: its strides are passed on their own anyway
        result = _checked_out(name, out, shape, dtype)
        if (result is out and not semantics.out_is_plain(out)
                and semantics.out_needs_temporary(out, (image, kernel))):
            np.copyto(out, _convolve(correlate, name, image, kernel, mode, boundary, fillvalue, None,
                                     method))  # compute, then assign (by NumPy)
            return out
    # 'direct' calls convolve2d / ndkern_correlate2d themselves.
    if method_code == lib.NDKERN_METHOD_DIRECT:
        c_function = lib.ndkern_correlate2d if correlate else lib.convolve2d
    else:
        c_function = _with_method(correlate, method_code)
    _call(name, c_function, image, kernel, result, dims, code, mode_code, boundary_code,
          fill_pointer)
    return out


def _with_method(correlate, method_code):
    """ndkern_convolve2d_method with its last two arguments bound: called as
    convolve2d is."""
    return lambda *arguments: lib.ndkern_convolve2d_method(*arguments, correlate, method_code)


def _call(name, c_function, image, kernel, result, dims, code, mode_code, boundary_code,
          fill_pointer):
    """Call C; `dims` are the plan's shape and stride arrays (the result's
    strides excepted), or None to pass the arrays' own."""
    if dims is None:
        dims = (INT64_ARRAYS[image.shape], INT64_ARRAYS[image.strides],
                INT64_ARRAYS[kernel.shape], INT64_ARRAYS[kernel.strides],
                INT64_ARRAYS[result.shape])
    image_shape, image_strides, kernel_shape, kernel_strides, result_shape = dims
    status = c_function(data_pointer(image), image_shape, image_strides,
                        data_pointer(kernel), kernel_shape, kernel_strides,
                        data_pointer(result), result_shape, INT64_ARRAYS[result.strides],
                        code, mode_code, boundary_code, fill_pointer)
    if status:  # rare: an overlap to retry on copies (strides of their own), or an error
        retry_or_raise(status, name, lambda image, kernel: _call(
            name, c_function, image, kernel, result, None, code, mode_code, boundary_code,
            fill_pointer), image, kernel)


def _checked_out(name, out, shape, dtype):
    """The array C writes for a user's `out`, after NumPy's checks."""
    if not isinstance(out, np.ndarray):
        return buffer_out(out, shape, dtype, name)
    check_out(out, shape, name)
    if out.dtype != dtype:
        raise TypeError(f"{name}: out has dtype {out.dtype}, but the result has dtype {dtype}")
    return out


# What a call derives from its arguments' types and shapes, kept per kind of
# call: parsing costs more than the C call itself on a 32² image
# (np.result_type alone ~0.6 µs).  A plan is a pure function of its key and
# is never modified, so threads share the cache; only calls that parse
# without error are stored, and the cache is emptied when it grows past
# _PLANS_LIMIT.
_PLANS: Dict[tuple, tuple] = {}
_PLANS_LIMIT = 256


def _plan(name, image, kernel, mode, boundary, method):
    """(mode code, boundary code, result dtype, its code, method code, result
    shape or None for the integer 'fft' path, dims): dims are the C arrays of
    the shapes and strides of image and kernel and of the result's shape, or
    None when the inputs must be converted.  SciPy's errors for bad
    arguments, in SciPy's order."""
    try:
        key = (mode, boundary, method, image.dtype, kernel.dtype,
               image.shape, image.strides, kernel.shape, kernel.strides)
        return _PLANS[key]
    except TypeError:  # an unhashable argument: parsing raises for it below
        key = None
    except KeyError:
        pass
    mode_code, boundary_code, dtype, code = convolve_arguments(name, image, kernel, mode,
                                                               boundary)
    method_code = convolve_method(method)
    shape = dims = None
    if not (method_code == lib.NDKERN_METHOD_FFT and dtype.kind in "iu"):
        shape = convolve_output_shape(mode_code, image.shape, kernel.shape)
    if shape is not None and image.dtype == dtype == kernel.dtype:
        dims = tuple(INT64_ARRAYS[values] for values in (
            image.shape, image.strides, kernel.shape, kernel.strides, shape))
    plan = (mode_code, boundary_code, dtype, code, method_code, shape, dims)
    if key is not None:
        if len(_PLANS) >= _PLANS_LIMIT:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _convolve_stack(correlate, name, image, kernel, mode, boundary, fillvalue, out, method):
    """convolve2d/correlate2d of stacks: the leading axes broadcast like a
    generalized ufunc ``(m,n),(k,l)->(p,q)``; one ndkern_convolve2d_batched
    call computes every image as the 2-D path would."""
    mode_code, boundary_code, dtype, code, batch = stack_arguments(name, image, kernel, mode,
                                                                   boundary)
    method_code = convolve_method(method)
    image, kernel = np.asarray(image, dtype), np.asarray(kernel, dtype)
    if method_code == lib.NDKERN_METHOD_FFT and dtype.kind in "iu":
        return _integer_fft(correlate, name, image, kernel, mode, boundary, fillvalue, out)
    core = convolve_output_shape(mode_code, image.shape[-2:], kernel.shape[-2:])
    result, out = _stack_output(name, out, batch + tuple(core), dtype)
    fill = fill_element(fillvalue, dtype) if boundary_code == lib.NDKERN_BOUNDARY_FILL else None
    fill_pointer = ffi.NULL if fill is None else ffi.from_buffer(fill)
    _call_batched(name, image, kernel, result, code, mode_code, boundary_code, fill_pointer,
                  correlate, method_code)
    return out


def _call_batched(name, image, kernel, result, *codes):
    """ndkern_convolve2d_batched on the stacks; `codes` are its arguments
    after the result's (dtype, mode, boundary, fill pointer, correlate,
    method)."""
    status = lib.ndkern_convolve2d_batched(
        data_pointer(image), image.ndim, image.shape, image.strides,
        data_pointer(kernel), kernel.ndim, kernel.shape, kernel.strides,
        data_pointer(result), result.ndim, result.shape, result.strides, *codes)
    if status:  # rare: an overlap to retry on copies, or an error
        retry_or_raise(status, name, lambda image, kernel: _call_batched(
            name, image, kernel, result, *codes), image, kernel)


def stack_arguments(name, image, kernel, mode, boundary):
    """(mode code, boundary code, result dtype, its code, batch shape) for
    stacks `image` and `kernel` (arrays with .ndim, .shape and .dtype; 2-D
    or more): convolve_arguments' checks for one image, and the broadcast
    shape of the leading axes.  ValueError when an input has fewer than two
    axes or the leading axes do not broadcast."""
    if image.ndim < 2 or kernel.ndim < 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays or stacks of them (2-D "
                         f"arrays with leading axes)")
    stand_ins = (np.empty((0, 0), image.dtype), np.empty((0, 0), kernel.dtype))
    codes = convolve_arguments(name, *stand_ins, mode, boundary)
    try:
        batch = np.broadcast_shapes(image.shape[:-2], kernel.shape[:-2])
    except ValueError:
        raise ValueError(f"{name}: the stacks' leading axes {image.shape[:-2]} and "
                         f"{kernel.shape[:-2]} do not broadcast") from None
    return codes + (tuple(batch),)


def _stack_output(name, out, shape, dtype):
    """(the array written, what is returned) for a stack's `out` as in the
    2-D path: None (a new array), an ndarray of exactly `shape` and `dtype`,
    or a writable buffer."""
    if out is None:
        result = np.empty(shape, dtype)
        return result, result
    return _checked_out(name, out, shape, dtype), out


def _integer_fft(correlate, name, image, kernel, mode, boundary, fillvalue, out):
    """Integer 'fft': in float64 and rounded, when max|f| * max|g| * min(size) <
    2^52 makes the result exact in double (SciPy's rule; f includes the fill
    value), else ValueError.  Wraps to the integer type as the direct sum."""
    uses_fill = stack_arguments(name, image, kernel, mode, boundary)[1] == \
        lib.NDKERN_BOUNDARY_FILL
    fill = fill_element(fillvalue, image.dtype) if uses_fill else image[:0]
    largest = [max((max(abs(int(a.min())), abs(int(a.max()))) for a in arrays if a.size),
                   default=0) for arrays in ((image, fill), (kernel,))]
    image_size, kernel_size = (math.prod(a.shape[-2:]) for a in (image, kernel))  # per image
    if largest[0] * largest[1] * min(image_size, kernel_size) > _EXACT_LIMIT:
        raise ValueError(f"{name}: method='fft' on integers needs max|in1| * max|in2| * "
                         f"min(in1.size, in2.size) < 2**52 (the result exact in double); "
                         f"use method='direct'")
    fill_value = float(fill[0]) if fill.size else 0.0
    exact = _convolve(correlate, name, image.astype(np.float64), kernel.astype(np.float64),
                      mode, boundary, fill_value, None, "fft")
    result = np.rint(exact).astype(np.int64).astype(image.dtype)
    if out is None:
        return result
    # Into `out` through the direct path (a valid-mode product with 1, exact),
    # which checks and fills `out` as for any call.
    return _convolve(correlate, name, result, np.ones((1, 1), image.dtype), "valid", "fill", 0,
                     out, "direct")
