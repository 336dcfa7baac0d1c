"""What a wheel from "make wheel" must hold; run by tests/reach/wheel.sh.

    python check_wheel.py WHEEL

The package's modules (every pyshim/ndkern/*.py beside this tree's), its
py.typed, ndkern.h equal to csrc/ndkern.h, libndkern.so as the only shared
object (no extension module: cffi ABI mode) and without debug sections (make
wheel strips them), and a py3-none tag in WHEEL.
"""

import sys
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]


def main(wheel_path):
    problems = []
    with zipfile.ZipFile(wheel_path) as wheel:
        names = set(wheel.namelist())
        header = wheel.read("ndkern/ndkern.h") if "ndkern/ndkern.h" in names else None
        library = wheel.read("ndkern/libndkern.so") if "ndkern/libndkern.so" in names else b""
        wheel_file = next((wheel.read(name).decode() for name in names
                           if name.endswith(".dist-info/WHEEL")), "")
    expected = {f"ndkern/{module.name}" for module in (SOURCE / "pyshim" / "ndkern").glob("*.py")}
    expected |= {"ndkern/py.typed", "ndkern/libndkern.so", "ndkern/ndkern.h"}
    problems += [f"missing {name}" for name in sorted(expected - names)]
    shared = sorted(name for name in names if ".so" in name or name.endswith(".pyd"))
    if shared != ["ndkern/libndkern.so"]:
        problems.append(f"shared objects {shared}, expected only ndkern/libndkern.so")
    if b".debug_info" in library:  # a section name in the ELF section header strings
        problems.append("ndkern/libndkern.so still has its debug information")
    if header != (SOURCE / "csrc" / "ndkern.h").read_bytes():
        problems.append("ndkern/ndkern.h is not csrc/ndkern.h")
    if "Tag: py3-none-" not in wheel_file or "Root-Is-Purelib: false" not in wheel_file:
        problems.append(f"unexpected WHEEL file:\n{wheel_file}")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
