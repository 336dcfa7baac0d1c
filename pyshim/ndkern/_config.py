"""What ndkern loaded and how it will run: ``ndkern.show_config()`` and
``python -m ndkern info``."""

import argparse
import json
import os
import re
from typing import Any, Dict, List, Optional

from . import _library, _threadpoolctl, _threads
from ._header import header_version

__all__ = ["config", "show_config", "cpu_simd_levels", "add_arguments", "main"]


def cpu_simd_levels() -> Optional[List[str]]:
    """The levels of SIMD_LEVELS the CPU reports (Linux /proc/cpuinfo flags,
    which list only what the kernel enabled), or None where unknown."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            flags_line = re.search(r"^flags\s*:(.*)$", cpuinfo.read(), re.M)
    except OSError:
        return None
    if flags_line is None:
        return None
    flags = set(flags_line.group(1).split())
    levels = ["baseline"]
    if {"avx2", "fma"} <= flags:
        levels.append("avx2")
        if "avx512f" in flags:
            levels.append("avx512")
    return levels


def config() -> Dict[str, Any]:
    """show_config()'s facts as a dict (also ``python -m ndkern info --json``)."""
    library_version = _library.ffi.string(_library.lib.ndkern_version()).decode("ascii")
    with open(_library.header_path, encoding="utf-8") as header:
        header_text = header.read()
    return {
        "package": {"version": library_version,
                    "path": os.path.dirname(os.path.abspath(__file__))},
        "library": {"version": library_version, "path": _library.library_path,
                    "found_by": _library.library_found_by},
        "header": {"version": header_version(header_text, _library.header_path), "path": _library.header_path,
                   "found_by": _library.header_found_by},
        "simd": {"in_use": _threads.simd_level(), "cpu_offers": cpu_simd_levels(),
                 "NDKERN_SIMD": os.environ.get("NDKERN_SIMD")},
        "threads": {"count": _threads.get_num_threads(), "source": _threads.thread_source()},
        "threadpoolctl": "registered" if _threadpoolctl.registered else "not available",
    }


def show_config() -> None:
    """Print the package and library versions, where the library and header
    were found and how, the SIMD level in use and what the CPU offers, and
    the thread count with its source (set_num_threads, NDKERN_NUM_THREADS
    or the default)."""
    print(_format(config()))


def _format(facts: Dict[str, Any]) -> str:
    simd, threads = facts["simd"], facts["threads"]
    offers = simd["cpu_offers"]
    cap = simd["NDKERN_SIMD"]
    return "\n".join([
        f"ndkern {facts['package']['version']}",
        f"  package        {facts['package']['path']}",
        f"  library        {facts['library']['path']}",
        f"                 version {facts['library']['version']}, found by: "
        f"{facts['library']['found_by']}",
        f"  header         {facts['header']['path']}",
        f"                 version {facts['header']['version']}, found by: "
        f"{facts['header']['found_by']}",
        f"  SIMD in use    {simd['in_use']}" + (f" (NDKERN_SIMD={cap})" if cap else ""),
        "  CPU offers     " + (", ".join(offers) if offers else "unknown (no /proc/cpuinfo)"),
        f"  threads        {threads['count']} (source: {threads['source']})",
        f"  threadpoolctl  {facts['threadpoolctl']}",
    ])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the facts as JSON")


def main(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(config(), indent=2))
    else:
        show_config()
    return 0
