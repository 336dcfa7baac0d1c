"""Write the ndkern wheel: the pure-Python package with libndkern and
ndkern.h inside (cffi ABI mode, so no extension module and no Python ABI tag).

    python ndkern_wheel.py --library csrc/.libs/libndkern.so --header csrc/ndkern.h \
        --pyproject pyshim/pyproject.toml --out-dir dist pyshim/ndkern/*.py ...

"make wheel" runs this, and so does the PEP 517 backend (ndkern_backend.py)
after building the library with autotools.  The version is the header's
NDKERN_VERSION_*, which the package checks against the library at import.
The metadata comes from the [project] table of pyshim/pyproject.toml.  With
--auditwheel, ``auditwheel show`` (PyPI's auditwheel) reads which symbol
versions the library needs and names the manylinux tag it qualifies for; the
wheel is then written again under that tag.  ("auditwheel repair" would do
the same through patchelf, but it has nothing to graft: the library needs
only libc.)

Only the standard library is used (plus tomli before Python 3.11), so this
runs in pip's isolated build environment.
"""

import argparse
import base64
import hashlib
import importlib.util
import os
import re
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

__all__ = ["write_wheel", "write_any_wheel", "header_version", "platform_tag", "auditwheel_tag"]

PACKAGE = "ndkern"
# The package's own header reader, run as a file: importing ndkern would load the library.
_HEADER_TOOLS = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            os.pardir, PACKAGE, "_header.py"))
BUNDLED_LIBRARY = {"darwin": "libndkern.dylib", "win32": "ndkern.dll"}.get(
    sys.platform, "libndkern.so")


def header_version(header_path):
    """"MAJOR.MINOR.PATCH" of the header (ndkern/_header.py reads it, as at import)."""
    with open(header_path, encoding="utf-8") as header:
        return _HEADER_TOOLS["header_version"](header.read(), header_path)


def platform_tag():
    """This machine's wheel platform tag before auditwheel: linux_x86_64 etc."""
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


def _metadata(project, version):
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {version}",
             f"Summary: {project.get('description', '')}"]
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    lines += [f"Requires-Dist: {requirement}" for requirement in project.get("dependencies", [])]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {requirement}; extra == "{extra}"'
                  for requirement in requirements]
    return "\n".join(lines) + "\n"


def _wheel_file(tag):
    return ("Wheel-Version: 1.0\nGenerator: ndkern_wheel.py\nRoot-Is-Purelib: false\n"
            f"Tag: {tag}\n")


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _read(path):
    with open(path, "rb") as source:
        return source.read()


def _stripped(library, strip):
    """The bytes of `library` without its debug information (``strip
    --strip-debug``, as ``make install-strip``: the symbol table stays for
    profilers and backtraces); the built file is left as it is."""
    with tempfile.TemporaryDirectory(prefix="ndkern-strip-") as work:
        copy = os.path.join(work, BUNDLED_LIBRARY)
        shutil.copyfile(library, copy)
        subprocess.run([strip, "--strip-debug", copy], check=True)
        return _read(copy)


def write_wheel(out_dir, modules, library, header, pyproject, plat=None, extra_files=(),
                strip=None):
    """Write the wheel into `out_dir` and return its path.

    `modules` are the package's .py files, `library` the built libndkern
    (symlinks followed; its debug information removed with the program
    `strip` when given), `header` ndkern.h, `extra_files` more package files
    (py.typed)."""
    contents = {f"{PACKAGE}/{os.path.basename(path)}": _read(path)
                for path in list(modules) + list(extra_files)}
    contents[f"{PACKAGE}/{BUNDLED_LIBRARY}"] = (_read(library) if strip is None
                                                else _stripped(library, strip))
    contents[f"{PACKAGE}/ndkern.h"] = _read(header)
    return write_any_wheel(out_dir, contents, header, pyproject, plat or platform_tag())


def write_any_wheel(out_dir, contents, header, pyproject, plat):
    """A wheel of `contents` ({name in the wheel: bytes}) tagged py3-none-`plat`,
    with the metadata of `pyproject` and the version of `header`."""
    with open(pyproject, "rb") as toml:
        project = tomllib.load(toml)["project"]
    version = header_version(header)
    tag = f"py3-none-{plat}"
    dist_info = f"{project['name']}-{version}.dist-info"
    contents = dict(contents)
    contents[f"{dist_info}/METADATA"] = _metadata(project, version).encode()
    contents[f"{dist_info}/WHEEL"] = _wheel_file(tag).encode()
    os.makedirs(out_dir, exist_ok=True)
    wheel_path = os.path.join(out_dir, f"{project['name']}-{version}-{tag}.whl")
    record = []
    with zipfile.ZipFile(wheel_path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in sorted(contents.items()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            executable = name.endswith(BUNDLED_LIBRARY)
            info.external_attr = (0o755 if executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
            record.append(_record_line(name, data))
        record.append(f"{dist_info}/RECORD,,")
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel_path


def auditwheel_tag(wheel_path):
    """The platform tag ``auditwheel show`` finds the wheel consistent with."""
    shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", wheel_path],
                           capture_output=True, text=True)
    found = re.search(r'consistent with the\s+following platform tag:\s*"([^"]+)"', shown.stdout)
    if shown.returncode != 0 or found is None:
        raise SystemExit(f"auditwheel show {wheel_path} failed:\n{shown.stdout}{shown.stderr}")
    return found.group(1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--pyproject", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--extra", action="append", default=[], help="another package file")
    parser.add_argument("--auditwheel", choices=("yes", "no", "auto"), default="no",
                        help="tag the wheel as auditwheel show says (manylinux); "
                             "auto: when auditwheel is installed")
    parser.add_argument("--strip", metavar="PROGRAM",
                        help="bundle the library without debug information (PROGRAM "
                             "--strip-debug on a copy)")
    parser.add_argument("modules", nargs="+")
    args = parser.parse_args(argv)
    def write(plat=None):
        return write_wheel(args.out_dir, args.modules, args.library, args.header,
                           args.pyproject, plat, extra_files=args.extra, strip=args.strip or None)

    wheel = write()
    use_auditwheel = args.auditwheel == "yes" or (
        args.auditwheel == "auto" and importlib.util.find_spec("auditwheel") is not None)
    if args.auditwheel == "auto" and not use_auditwheel:
        print("ndkern_wheel.py: auditwheel is not installed; the wheel keeps the tag "
              f"{platform_tag()} (pip install auditwheel for a manylinux tag)", file=sys.stderr)
    if use_auditwheel:
        tag = auditwheel_tag(wheel)
        os.remove(wheel)
        wheel = write(tag)
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
