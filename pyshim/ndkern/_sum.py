"""sum_array: numpy.sum computed by libndkern.

The C function sums the trailing `nreduce` axes, so the reduced axes are
moved last by permuting the view's shape and strides (no copy).
"""

import warnings
from typing import Any, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ._arrays import (C_CODES, INT64_ARRAYS, buffer_out, check_out, code_of, data_pointer, finish,
                      native, readable)
from ._conventions import sum_default_dtype
from . import _fperr as fperr
from ._errors import retry_or_raise
from ._library import lib
from . import _numpy_semantics as semantics

try:
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # NumPy < 2 (mypy checks against the NumPy installed)
    from numpy.core.numeric import normalize_axis_tuple  # type: ignore[no-redef]
try:
    from numpy.exceptions import ComplexWarning
except ImportError:  # NumPy < 1.25
    from numpy import ComplexWarning  # type: ignore[attr-defined,no-redef]

__all__ = ["sum_array"]

_FUNCTION = "sum_array"


def _c_result_dtype(result_dtype):
    """The dtype C writes for `result_dtype`, or None if C cannot produce it
    (bool: numpy.sum(x, dtype=bool) is a logical OR, not a sum)."""
    native_dtype = result_dtype.newbyteorder("=")
    return native_dtype if native_dtype in C_CODES and native_dtype.kind != "b" else None


# dtype -> (its code, result dtype, result code) for sum_array(x) with no options.
_DEFAULT_PLANS = {dtype: (code, sum_default_dtype(dtype), C_CODES[sum_default_dtype(dtype)])
                  for dtype, code in C_CODES.items()}


def sum_array(a: ArrayLike, axis: Union[None, int, Tuple[int, ...]] = None,
              dtype: Optional[DTypeLike] = None, out: Optional[Any] = None, keepdims: bool = False,
              initial: Any = None, where: Any = True) -> Any:
    """Sum of array elements over the given axes, as ``numpy.sum``.

    axis      None (all), an int (negative counts from the end) or a tuple.
    dtype     the accumulator and result type, as numpy.sum's `dtype`.
              Default: int64 for bool and signed input, uint64 for unsigned,
              the input's own type for floating and complex input.
    out       an array of the result's shape to write into (returned), or a
              writable buffer (array.array, memoryview, mmap) of the
              result's dtype and size, written in place.
    keepdims  keep the reduced axes with length 1.
    initial   a value added once to each result element, converted to the
              accumulation dtype as numpy.sum converts it (None: nothing).
    where     a bool array broadcast to `a`: only the True elements are
              summed (an element with none gives `initial`, or 0).  It costs
              a masked copy of `a` (one extra pass and a temporary).

    An ndarray subclass is returned as numpy.sum returns it (through its
    ``__array_wrap__``); a masked array raises TypeError (its mask is never
    ignored).  `out` may be any output numpy.sum accepts, including zero
    strides and overlap with `a` or with itself: the final memory is
    NumPy's (through a temporary then).

    A floating `dtype` adds each element's value as it is, in double
    precision, and rounds the total once: numpy.sum(x, dtype=float32) of
    float64 data rounds every element to float32 first, so ndkern's answer
    can differ from NumPy's there, by being more accurate.
    """
    x = np.asarray(a)
    if x is not a and isinstance(a, np.ndarray):  # a subclass: computed on x, wrapped back
        semantics.refuse_masked(a, _FUNCTION)
        result = _sum_general(x, axis, dtype, out, keepdims, initial, where)
        return semantics.wrap_like_numpy(np.asarray(result), a, None, out)
    plan = _DEFAULT_PLANS.get(x.dtype)
    if plan is None or axis is not None or dtype is not None or out is not None or keepdims \
            or initial is not None or where is not True:
        return _sum_general(x, axis, dtype, out, keepdims, initial, where)
    code, result_dtype, result_code = plan
    result = np.empty((), result_dtype)
    _sum_into(x, code, x.ndim, result, result_code)
    return result[()]


def _sum_general(x, axis, dtype, out, keepdims, initial=None, where=True):
    x = native(x)
    if where is not True:
        x = semantics.select(x, where)
    reduced = _reduced_axes(axis, x.ndim)
    kept = [i for i in range(x.ndim) if i not in reduced]
    kept_shape = tuple(x.shape[i] for i in kept)
    out_shape = tuple(1 if i in reduced else n for i, n in enumerate(x.shape)) \
        if keepdims else kept_shape
    if out is not None and not isinstance(out, np.ndarray):
        result_dtype = _result_dtype(x.dtype, dtype, None)
        _sum_general(x, axis, dtype, buffer_out(out, out_shape, result_dtype, _FUNCTION), keepdims,
                     initial)
        return out
    if out is not None:
        check_out(out, out_shape, _FUNCTION)
    result_dtype = _result_dtype(x.dtype, dtype, out)
    c_dtype = _c_result_dtype(result_dtype)
    if c_dtype is None:
        raise TypeError(f"{_FUNCTION}: unsupported result dtype {result_dtype} "
                        f"(a bool dtype is a logical OR, not a sum)")
    result_code = code_of(c_dtype, _FUNCTION)
    if x.dtype.kind == "c" and result_dtype.kind != "c":
        warnings.warn("Casting complex values to real discards the imaginary part",
                      ComplexWarning, stacklevel=3)
        x = x.real
    if initial is not None or (out is not None and not semantics.out_is_plain(out)):
        return semantics.sum_via_temporary(sum_array, x, reduced, result_dtype, out, keepdims,
                                           initial)
    x_read, code = readable(x, _FUNCTION)
    order = kept + list(reduced)
    moved = x_read if order == list(range(x.ndim)) else x_read.transpose(order)  # reduced last

    if out is not None:
        out_kept = np.squeeze(out, axis=reduced) if keepdims else out
        if out.dtype == c_dtype == result_dtype:
            _sum_into(moved, code, len(reduced), out_kept, result_code)
            return out
    written = np.empty(kept_shape, c_dtype)
    _sum_into(moved, code, len(reduced), written, result_code)
    result = written if c_dtype == result_dtype else _cast(written, result_dtype)
    if out is None:
        return finish(np.expand_dims(result, reduced) if keepdims else result, None)
    np.copyto(out_kept, result, casting="unsafe")  # numpy.sum casts into `out` unsafely too
    return out


def _cast(array, dtype):
    return fperr.cast(array, dtype, "reduce")


def _reduced_axes(axis, ndim):
    """The reduced axes, non-negative and sorted; NumPy's errors for bad ones."""
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0:  # NumPy accepts axis 0 and -1 for a 0-d input, and reduces nothing
        normalize_axis_tuple(axis, 1, "axis")
        return ()
    return tuple(sorted(normalize_axis_tuple(axis, ndim, "axis")))


def _result_dtype(input_dtype, dtype, out):
    if dtype is not None:
        return np.dtype(dtype)
    default = sum_default_dtype(input_dtype)
    if out is not None and np.can_cast(input_dtype, out.dtype, "safe") \
            and _c_result_dtype(out.dtype) is not None:
        return out.dtype  # like NumPy, accumulate in out's dtype when the input casts safely
    return default


def _sum_into(x, code, nreduce, out, out_code):
    status = lib.sum_array(data_pointer(x), INT64_ARRAYS[x.strides], x.ndim, INT64_ARRAYS[x.shape],
                           code, nreduce, data_pointer(out), INT64_ARRAYS[out.strides], out_code)
    if status:  # rare: an overlap to retry on a copy, or an error to raise
        retry_or_raise(status, _FUNCTION,
                       lambda x: _sum_into(x, code, nreduce, out, out_code), x)
    else:
        fperr.check(out_code, "reduce")
