"""square_array: numpy.square computed by libndkern."""

from typing import Any, Optional

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import C_CODES, buffer_out, check_out, data_pointer, finish, native, readable
from ._conventions import square_result_dtype
from ._errors import call_checked
from ._library import lib

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
    """
    x = np.asarray(x)
    if out is not None and not isinstance(out, np.ndarray):
        square_array(x, buffer_out(out, x.shape, x.dtype.newbyteorder("="), _FUNCTION))
        return out
    if out is not None:
        check_out(out, x.shape, _FUNCTION)
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
    call_checked(_FUNCTION, lambda x: lib.square_array(
        data_pointer(x), x.strides, data_pointer(out), out.strides, x.ndim, x.shape, code), x)
