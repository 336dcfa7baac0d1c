"""libndkern status codes -> Python exceptions, in one place.

NDKERN_EOVERLAP is normally handled by retry_or_raise (copy the inputs, call
again) before it gets here; if it does get here it is a ValueError.
"""

from ._library import ffi, lib

__all__ = ["check_status", "retry_or_raise"]

_EXCEPTION_OF_STATUS = {
    lib.NDKERN_EINVAL: ValueError,
    lib.NDKERN_ESHAPE: ValueError,
    lib.NDKERN_EOVERFLOW: ValueError,
    lib.NDKERN_EOVERLAP: ValueError,
    lib.NDKERN_EDTYPE: TypeError,
    lib.NDKERN_ENOMEM: MemoryError,
}


# ndkern_status_name ("NDKERN_EINVAL") is newer than ndkern_strerror: with a
# library or header that lacks it, cffi's lookup raises AttributeError and
# messages go without the name.
_status_name = getattr(lib, "ndkern_status_name", None)


def check_status(status, function):
    """Raise the exception for a nonzero libndkern status returned by `function`."""
    if status == lib.NDKERN_OK:
        return
    message = ffi.string(lib.ndkern_strerror(status)).decode("utf-8", "replace")
    name = "" if _status_name is None else ffi.string(_status_name(status)).decode("ascii") + ", "
    exception = _EXCEPTION_OF_STATUS.get(status, RuntimeError)
    raise exception(f"{function}: {message} ({name}libndkern status {status})")


_EOVERLAP = lib.NDKERN_EOVERLAP


def retry_or_raise(status, function, retry, *inputs):
    """The slow path after a C call made for `function` returned the nonzero
    `status`: callers call C directly and come here only then, so the
    common path builds no closure.

    libndkern refuses (NDKERN_EOVERLAP) an output that overlaps an input
    other than exactly; NumPy's answer is then the one computed from the
    inputs as they were, so ``retry`` (the same call, raising on its own
    failure) gets copies of the inputs, which overlap nothing.  Any other
    status raises.
    """
    if status != _EOVERLAP:
        check_status(status, function)
    retry(*(array.copy() for array in inputs))

