"""Find libndkern and ndkern.h, build the cffi FFI from the header, dlopen.

cffi's ABI mode needs the C declarations as text.  cairocffi generates its
cdef from cairo.h offline and ships the result as a Python module; ndkern
instead reads them when it is imported: the text between the NDKERN_CDEF
markers of ndkern.h.  We do that so the header stays the one source of truth
for the ABI with no generation step to forget; the price is that the header
travels with the package (wheels and "make install" put a copy beside the
modules) and is parsed on each import (a few milliseconds).  Because a
header and a library can come from different places, the import checks that
the library's ndkern_version() equals the header's NDKERN_VERSION_* and
raises ImportError naming both when they differ.

The library is looked up in this order: $NDKERN_LIBRARY, the copy bundled
in the package (wheels), LIBDIR recorded at build time (_buildconfig.py), the
in-tree build, then the system (ctypes.util.find_library).  The header: the
package's own copy, the in-tree source, INCLUDEDIR, next to the library.  An
environment variable, when set, is the only place tried for its file, so a
typo there is reported instead of silently loading some other copy.
"""

import ctypes.util
import os
import sys
from pathlib import Path
from typing import Any, List, Optional, Tuple

import cffi

from ._header import cdef_from_header, header_version

__all__ = ["ffi", "lib", "library_path", "library_found_by", "header_path", "header_found_by"]

_PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_TREE = _PACKAGE_DIR.parent.parent  # <repo> when run from pyshim/ in a checkout
_LIBRARY_FILENAME = {"darwin": "libndkern.dylib", "win32": "ndkern.dll"}.get(
    sys.platform, "libndkern.so")
_HOW_TO_BUILD = (
    "Build the library in the source tree with\n"
    "    ./bootstrap --deps && ./configure && make\n"
    "or point NDKERN_LIBRARY at libndkern and NDKERN_HEADER at ndkern.h.")


def _install_dirs():
    """(LIBDIR, INCLUDEDIR) recorded by `make`, or (None, None) when absent."""
    try:
        from . import _buildconfig  # type: ignore[attr-defined]  # written by make install
    except ImportError:
        return None, None
    return getattr(_buildconfig, "LIBDIR", None), getattr(_buildconfig, "INCLUDEDIR", None)


def _library_candidates(libdir):
    """(description, path-or-name) pairs in lookup order."""
    override = os.environ.get("NDKERN_LIBRARY")
    if override:
        return [("$NDKERN_LIBRARY", override)]
    candidates: List[Tuple[str, Optional[str]]] = [
        ("bundled in the package", str(_PACKAGE_DIR / _LIBRARY_FILENAME))]
    if libdir:
        candidates.append(("LIBDIR of _buildconfig.py", os.path.join(libdir, _LIBRARY_FILENAME)))
    candidates.append(("in-tree build", str(_SOURCE_TREE / "csrc" / ".libs" / _LIBRARY_FILENAME)))
    candidates.append(('ctypes.util.find_library("ndkern")', ctypes.util.find_library("ndkern")))
    return candidates


def _header_candidates(includedir, library):
    override = os.environ.get("NDKERN_HEADER")
    if override:
        return [("$NDKERN_HEADER", override)]
    candidates = [("installed with the package", str(_PACKAGE_DIR / "ndkern.h")),
                  ("in-tree source", str(_SOURCE_TREE / "csrc" / "ndkern.h"))]
    if includedir:
        candidates.append(("INCLUDEDIR of _buildconfig.py", os.path.join(includedir, "ndkern.h")))
    if library and os.path.dirname(library):
        candidates.append(("next to the library",
                           os.path.join(os.path.dirname(library), os.pardir, "include", "ndkern.h")))
    return candidates


def _failure(what, tried):
    lines = [f"ndkern: could not load {what}. Tried, in order:"]
    lines += [f"  - {where}: {target or '(nothing found)'} -> {reason}" for where, target, reason in tried]
    return "\n".join(lines + [_HOW_TO_BUILD])


def _open_library(ffi, candidates):
    tried = []
    for where, target in candidates:
        if not target:
            tried.append((where, None, "not found"))
            continue
        if os.sep in target and not os.path.exists(target):
            tried.append((where, target, "no such file"))
            continue
        try:
            return ffi.dlopen(target), target, where
        except OSError as error:
            tried.append((where, target, str(error)))
    raise ImportError(_failure("libndkern", tried))


def _read_header(candidates):
    tried = []
    for where, path in candidates:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as header:
                return header.read(), os.path.normpath(path), where
        tried.append((where, path, "no such file"))
    raise ImportError(_failure("ndkern.h", tried))


def _check_version(ffi, library, library_file, text, header_file):
    library_version = ffi.string(library.ndkern_version()).decode("ascii")
    expected = header_version(text, header_file)
    if library_version != expected:
        raise ImportError(
            f"ndkern: the library and the header are different versions:\n"
            f"  library {library_file}: ndkern_version() = {library_version}\n"
            f"  header  {header_file}: NDKERN_VERSION = {expected}\n"
            "Point NDKERN_LIBRARY and NDKERN_HEADER at files of one build, or reinstall.")


def _load() -> Tuple[Any, Any, str, str, str, str]:
    libdir, includedir = _install_dirs()
    ffi = cffi.FFI()
    # The cdef is needed before dlopen only for the calls, not for opening:
    # open first so the header search can look next to the library found.
    library, library_file, library_where = _open_library(ffi, _library_candidates(libdir))
    text, header_file, header_where = _read_header(_header_candidates(includedir, library_file))
    ffi.cdef(cdef_from_header(text, header_file))
    _check_version(ffi, library, library_file, text, header_file)
    return ffi, library, library_file, library_where, header_file, header_where


# library_path: the file loaded, as found (not resolved); library_found_by:
# the place in the lookup order it came from; the same for the header.
ffi, lib, library_path, library_found_by, header_path, header_found_by = _load()
