"""square_array: numpy.square computed by libndkern."""

from typing import Any, Optional

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import (C_CODES, INT64_ARRAYS, buffer_out, check_out, data_pointer, finish, native,
                      readable)
from ._conventions import square_result_dtype
from . import _fperr as fperr
from ._errors import retry_or_raise
from ._library import lib
from . import _numpy_semantics as semantics

__all__ = ["square_array"]

_FUNCTION = "square_array"


def square_array(x: ArrayLike, out: Optional[Any] = None) -> Any:
    """Elementwise ``x * x``, as ``numpy.square(x, out=out)``.

    `x` is anything ``numpy.asarray`` accepts; views are read in place.
    `out`, if given, is a writeable array of x's shape whose dtype the
    result can be cast to (NumPy's 'same_kind' rule), or a writable buffer
    (array.array, memoryview, mmap) of x's dtype and size, written in place;
    it may be `x` itself.  Returns `out`, a new array, or a NumPy scalar for
    0-d input.  The square of a bool array is an int8 array of 0 and 1, as
    NumPy's (any nonzero byte of a bool is True).
    An ndarray subclass is returned as numpy.square returns it (through its
    ``__array_wrap__``); a masked array raises TypeError (its mask is never
    ignored).  `out` may be any output numpy.square accepts, including zero
    strides and overlap with `x` or with itself: the final memory is
    NumPy's (through a temporary then).
    """
    given = x
    x = np.asarray(given)
    if x is not given and isinstance(given, np.ndarray):  # a subclass: computed on x, wrapped back
        semantics.refuse_masked(given, _FUNCTION)
        result = square_array(x, out)
        return semantics.wrap_like_numpy(np.asarray(result), given, (np.square, (given,), 0), out)
    if out is not None and not isinstance(out, np.ndarray):
        square_array(x, buffer_out(out, x.shape, x.dtype.newbyteorder("="), _FUNCTION))
        return out
    if out is not None:
        check_out(out, x.shape, _FUNCTION)
        if not semantics.out_is_plain(out) and semantics.out_needs_temporary(out, (x,)):
            return semantics.store_elementwise(out, square_array(x), x, "same_kind")
    code = C_CODES.get(x.dtype)
    if code is None or x.dtype.kind == "b" or (out is not None and out.dtype != x.dtype):
        return _square_converted(x, out)
    result = np.empty_like(x) if out is None else out
    _square_into(x, result, code)
    return finish(result, out)


def _square_converted(x, out):
    """Byte-swapped and bool input, and `out` of another dtype."""
    x = native(x)
    x_read, code = readable(x, _FUNCTION)
    result_dtype = square_result_dtype(x.dtype)
    if out is not None and not np.can_cast(result_dtype, out.dtype, "same_kind"):
        raise TypeError(f"{_FUNCTION}: cannot cast the result from {result_dtype} to "
                        f"out's dtype {out.dtype} with casting rule 'same_kind'")
    result = out if out is not None and out.dtype == result_dtype \
        else np.empty_like(x, dtype=result_dtype)
    # A bool square is 0 or 1 per byte: the bytes of NumPy's int8 result.
    _square_into(x_read, result.view(x.dtype), code)
    if out is not None and result is not out:
        np.copyto(out, result, casting="unsafe")  # 'same_kind' was checked above
    return finish(result, out)


def _square_into(x, out, code):
    status = lib.square_array(data_pointer(x), INT64_ARRAYS[x.strides], data_pointer(out),
                              INT64_ARRAYS[out.strides], x.ndim, INT64_ARRAYS[x.shape], code)
    if status:  # rare: an overlap to retry on a copy, or an error to raise
        retry_or_raise(status, _FUNCTION, lambda x: _square_into(x, out, code), x)
    else:
        fperr.check(code, "square")
