"""Reading ndkern.h as text: the cffi declarations and the version.

Only the standard library: the wheel builder (pyshim/build_support) uses
these functions too, before any library exists.
"""

import re

__all__ = ["cdef_from_header", "header_version"]

_CDEF_BLOCK = re.compile(r"/\*\s*NDKERN_CDEF_BEGIN\s*\*/(.*?)/\*\s*NDKERN_CDEF_END\s*\*/", re.S)


def cdef_from_header(text: str, path: str = "ndkern.h") -> str:
    """The declarations between the CDEF markers, without comments or NDKERN_API."""
    block = _CDEF_BLOCK.search(text)
    if block is None:
        raise ImportError(f"ndkern: {path} has no NDKERN_CDEF_BEGIN/END block")
    declarations = re.sub(r"/\*.*?\*/", " ", block.group(1), flags=re.S)
    declarations = re.sub(r"//[^\n]*", " ", declarations)
    return re.sub(r"\bNDKERN_API\b", " ", declarations)


def header_version(text: str, path: str = "ndkern.h") -> str:
    """"MAJOR.MINOR.PATCH" from the header's NDKERN_VERSION_* macros."""
    numbers = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        found = re.search(rf"#define\s+NDKERN_VERSION_{part}\s+(\d+)", text)
        if found is None:
            raise ImportError(f"ndkern: {path} does not define NDKERN_VERSION_{part}")
        numbers.append(found.group(1))
    return ".".join(numbers)
