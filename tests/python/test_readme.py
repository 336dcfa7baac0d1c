"""README's Python runs as written: every ```python block, and every
`.venv/bin/python ...` command in its shell blocks and inline code.

They run from the top of the build (the repository root in the quick start),
so the ctypes example finds csrc/.libs/libndkern.so, with make check's
environment (this tree's package and library).  `.venv/bin/python` is the
checkout's venv; where the source tree has none (distcheck's unpacked
tarball, or a build directory elsewhere) the Python running the tests takes
its place.  That the quick start's .venv imports ndkern without any
environment is tests/reach/editable.sh's job.  The few commands that cannot
run here are listed in NOT_RUN with the test that covers each, and must
still be in the README.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2]
README = (SOURCE / "README.md").read_text(encoding="utf-8")
VENV_PYTHON = ".venv/bin/python"

NOT_RUN = {
    ".venv/bin/python -m ndkern bench":
        "minutes of benchmarking; make bench ('bench --help' does run)",
    ".venv/bin/python -c 'import ndkern.dask; print(ndkern.dask.bench_scale_out())'":
        "a 20000x20000 image on two worker processes, minutes",
    "PYTHONPATH=$HOME/ndkern/lib/python3.11/site-packages python3 -c 'import ndkern; "
    "print(ndkern.__version__, ndkern.library_path)'":
        "needs the --prefix install above it; tests/reach/install.sh imports its own",
    "python3 examples/python/ndkern_ctypes.py":
        "needs an installed library; tests/reach/example-python.sh runs it",
}
_PYTHON_COMMAND = re.compile(r"(^|[\s;&|(])(\.venv/bin/python|python3?)\s")


def python_blocks():
    return re.findall(r"^```python\n(.*?)^```", README, re.M | re.S)


def python_commands():
    """Python command lines: in ```sh blocks, and inline code spans."""
    lines = [line for block in re.findall(r"^```sh\n(.*?)^```", README, re.M | re.S)
             for line in block.splitlines()]
    lines += re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", README, flags=re.M | re.S))
    return list(dict.fromkeys(line.strip() for line in lines if _PYTHON_COMMAND.search(line)))


def test_snippets_were_found():
    assert len(python_blocks()) >= 5 and len(python_commands()) >= 5
    commands = set(python_commands())
    assert set(NOT_RUN) <= commands, "NOT_RUN lists commands the README no longer has"


def run_from_root(args, shell=False):
    python = VENV_PYTHON if (Path.cwd() == SOURCE and Path(VENV_PYTHON).exists()) else None
    python = python or (str(SOURCE / VENV_PYTHON) if (SOURCE / VENV_PYTHON).exists()
                        else sys.executable)
    if shell:
        args = args.replace(VENV_PYTHON, python)
    else:
        args = [python] + args
    return subprocess.run(args, shell=shell, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, MPLBACKEND="Agg"))


@pytest.mark.parametrize("code", python_blocks(),
                         ids=[block.splitlines()[0][:40] for block in python_blocks()])
def test_python_block_runs(code):
    result = run_from_root(["-c", code])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", [c for c in python_commands() if c not in NOT_RUN])
def test_python_command_runs(command):
    result = run_from_root(command, shell=True)
    assert result.returncode == 0, result.stdout + result.stderr
