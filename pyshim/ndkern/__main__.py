"""Command line: ``python -m ndkern <command> [options]``.

A command is a module of this package with ``main(args) -> exit status`` and
optionally ``add_arguments(parser)``.  To add one, add a line to COMMANDS;
only the module of the command being run is imported.
"""

import argparse
import importlib
import sys
from typing import Any

# name -> (module of this package, one-line help)
COMMANDS = {
    "demo": ("._demo", "run the seed examples and time ndkern against NumPy/SciPy"),
    "bench": ("._bench", "benchmark ndkern against NumPy, SciPy, OpenCV and Numba"),
    "info": ("._config", "show versions, the library and header used, SIMD level and threads"),
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m ndkern",
                                     description="Examples and tools for libndkern.")
    subparsers = parser.add_subparsers(dest="command", metavar="command", required=True)
    command_parsers = {name: subparsers.add_parser(name, help=help_text, description=help_text)
                       for name, (_, help_text) in COMMANDS.items()}
    module: Any = None  # the command's module, imported below
    if argv and argv[0] in COMMANDS:
        module = importlib.import_module(COMMANDS[argv[0]][0], __package__)
        if hasattr(module, "add_arguments"):
            module.add_arguments(command_parsers[argv[0]])
    args = parser.parse_args(argv)  # exits with usage for a missing or unknown command
    return module.main(args)


if __name__ == "__main__":
    sys.exit(main())
