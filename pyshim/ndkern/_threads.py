"""The library's process-wide thread setting, and its SIMD level."""

import contextlib
import operator
import os
import re
import warnings
from typing import Iterator

from ._errors import check_status
from ._library import ffi, lib

__all__ = ["set_num_threads", "get_num_threads", "threads", "thread_source", "simd_level",
           "SIMD_LEVELS", "warn_unknown_simd_request"]

# The level names csrc/runtime.c knows (its `levels` table), lowest first.
SIMD_LEVELS = ("baseline", "avx2", "avx512", "neon")

# The count last set through set_num_threads (0: the library's default).
_requested_threads = 0


def set_num_threads(n: int) -> None:
    """Use `n` threads for large inputs (1 <= n <= 1024); 0 restores the default
    ($NDKERN_NUM_THREADS, else the number of online CPUs).  Process-wide."""
    global _requested_threads
    n = operator.index(n)  # ints and NumPy integers; TypeError for 2.5 or "4"
    if not -2**31 <= n < 2**31:  # beyond a C int; the library rejects n > 1024 anyway
        raise ValueError(f"set_num_threads: {n} threads is out of range")
    check_status(lib.ndkern_set_num_threads(n), "set_num_threads")
    _requested_threads = n


def get_num_threads() -> int:
    """The number of threads calls will use (>= 1)."""
    return int(lib.ndkern_get_num_threads())


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """``with ndkern.threads(n):`` runs the block with `n` threads, then restores
    the previous setting (even if the block raises)."""
    previous = _requested_threads
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


def thread_source() -> str:
    """Where get_num_threads() comes from: "set_num_threads" (the API, also
    used by threadpoolctl), "NDKERN_NUM_THREADS" (the environment) or
    "default" (the number of online CPUs)."""
    if _requested_threads:
        return "set_num_threads"
    # As the library reads it: a whole decimal number >= 1 (strtol, nothing after).
    value = os.environ.get("NDKERN_NUM_THREADS", "")
    if re.fullmatch(r"\s*[+-]?[0-9]+", value) and int(value) >= 1:
        return "NDKERN_NUM_THREADS"
    return "default"


def simd_level() -> str:
    """The instruction-set level of the kernels in use: "baseline", "avx2",
    "avx512" (x86-64) or "neon" (aarch64): the best the machine runs, capped by
    NDKERN_SIMD."""
    return ffi.string(lib.ndkern_simd_level()).decode("ascii")


def warn_unknown_simd_request() -> None:
    """A RuntimeWarning when NDKERN_SIMD names no level: the library then
    caps nothing, which a typo ("avx-2") should not hide."""
    requested = os.environ.get("NDKERN_SIMD")
    if requested and requested not in SIMD_LEVELS:
        warnings.warn(f"NDKERN_SIMD={requested!r} is not a SIMD level "
                      f"({', '.join(SIMD_LEVELS)}), so it caps nothing: ndkern uses "
                      f"{simd_level()!r}", RuntimeWarning, stacklevel=3)
