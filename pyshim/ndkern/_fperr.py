"""Floating-point exceptions of a libndkern call -> NumPy's np.errstate handling.

After a ufunc loop NumPy looks at the IEEE flags the loop raised and, for
each of divide-by-zero, overflow, underflow and invalid (in that order)
that is set, does what ``np.geterr()`` says for it:

    'ignore'  nothing
    'warn'    RuntimeWarning("overflow encountered in square")
    'raise'   FloatingPointError, same text
    'call'    np.geterrcall()("overflow", flags)       (NameError if None)
    'print'   "Warning: overflow encountered in square" on stderr (file
              descriptor 2, as NumPy's C fprintf)
    'log'     np.geterrcall().write("Warning: ...\\n")  (NameError if None)

`check` does the same with the flags libndkern reports for the call just
made on this thread (``ndkern_fp_exceptions``, whose bits are NumPy's
NPY_FPE_* values, passed to 'call' handlers as NumPy passes them).  Names
are NumPy's: "square" for numpy.square, "reduce" for numpy.sum (a ufunc
reduce of add).  NumPy < 2 prints ('print') only the first exception of a
call, and a 'log' counts as the first: reproduced.  Warnings point at the
first frame outside this package (the user's call), where NumPy's own np.sum
warnings point into numpy/_core/fromnumeric.py.
"""

import os
import sys
import warnings
from types import FrameType
from typing import Any, Dict, Optional

import numpy as np

from ._library import lib

__all__ = ["check", "cast", "report"]

# A library without the getter (older than its header): no exceptions known.
_fp_exceptions = getattr(lib, "ndkern_fp_exceptions", lambda: 0)

# The dtype codes of floating arithmetic, the only one that reports.
_FLOAT_CODES = frozenset((lib.NDKERN_FLOAT16, lib.NDKERN_FLOAT32, lib.NDKERN_FLOAT64,
                          lib.NDKERN_COMPLEX64, lib.NDKERN_COMPLEX128))

# (bit, np.geterr() key, NumPy's text), in the order NumPy handles them.
_EXCEPTIONS = ((lib.NDKERN_FP_DIVBYZERO, "divide", "divide by zero"),
               (lib.NDKERN_FP_OVERFLOW, "over", "overflow"),
               (lib.NDKERN_FP_UNDERFLOW, "under", "underflow"),
               (lib.NDKERN_FP_INVALID, "invalid", "invalid value"))

_PRINT_FIRST_ONLY = np.lib.NumpyVersion(np.__version__) < "2.0.0"
_PACKAGE = __name__.rpartition(".")[0]


def check(code, name):
    """After a libndkern call that computed in dtype `code`: its exceptions,
    handled as NumPy's ufunc `name` handles its own."""
    if code in _FLOAT_CODES:
        flags = _fp_exceptions()
        if flags:
            report(flags, name)


def cast(array, dtype, name):
    """``array.astype(dtype)``, its exceptions (e.g. overflow to float16)
    handled as `name`'s rather than as a cast's."""
    raised = []
    with np.errstate(all="call", call=lambda kind, flags: raised.append(flags)):
        result = array.astype(dtype)
    if raised:
        report(raised[0], name)
    return result


def report(flags, name):
    """Handle exception bits `flags` raised by `name` as np.errstate says."""
    modes: Dict[str, Any] = dict(np.geterr())
    first = [True]
    for bit, key, text in _EXCEPTIONS:
        if flags & bit:
            _handle(modes[key], text, flags, name, first)


def _handle(mode, text, flags, name, first):
    message = f"{text} encountered in {name}"
    if mode == "warn":
        warnings.warn(message, RuntimeWarning, stacklevel=_caller_level())
    elif mode == "raise":
        raise FloatingPointError(message)
    elif mode == "call":
        handler: Any = np.geterrcall()
        if handler is None:
            raise NameError(f"python callback specified for {text} (in  {name}) "
                            "but no function found.")
        handler(text, flags)
    elif mode == "print" and (first[0] or not _PRINT_FIRST_ONLY):
        first[0] = False
        sys.stderr.flush()
        os.write(2, f"Warning: {message}\n".encode())
    elif mode == "log":
        first[0] = False
        log: Any = np.geterrcall()
        if log is None:
            raise NameError(f"log specified for {text} (in {name}) "
                            "but no object with write method found.")
        log.write(f"Warning: {message}\n")


def _caller_level():
    """warnings.warn's stacklevel for the first frame outside ndkern."""
    frame: Optional[FrameType] = sys._getframe(1)  # _handle: warnings.warn's level 1
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_PACKAGE + "."):
        frame, level = frame.f_back, level + 1
    return level
