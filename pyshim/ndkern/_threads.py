"""The library's process-wide thread setting, and its SIMD level."""

import contextlib
import operator

from ._errors import check_status
from ._library import ffi, lib

__all__ = ["set_num_threads", "get_num_threads", "threads", "simd_level"]


def set_num_threads(n):
    """Use `n` threads for large inputs (1 <= n <= 1024); 0 restores the default
    ($NDKERN_NUM_THREADS, else the number of online CPUs).  Process-wide."""
    n = operator.index(n)  # ints and NumPy integers; TypeError for 2.5 or "4"
    if not -2**31 <= n < 2**31:  # beyond a C int; the library rejects n > 1024 anyway
        raise ValueError(f"set_num_threads: {n} threads is out of range")
    check_status(lib.ndkern_set_num_threads(n), "set_num_threads")


def get_num_threads():
    """The number of threads calls will use (>= 1)."""
    return lib.ndkern_get_num_threads()


@contextlib.contextmanager
def threads(n):
    """``with ndkern.threads(n):`` runs the block with `n` threads, then restores
    the previous setting (even if the block raises)."""
    previous = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


def simd_level():
    """The instruction-set level of the kernels in use: "baseline", "avx2" or
    "avx512" (the best the machine runs, capped by NDKERN_SIMD)."""
    return ffi.string(lib.ndkern_simd_level()).decode("ascii")
