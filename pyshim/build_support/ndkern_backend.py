"""PEP 517 build backend: ``pip install`` of the source tree or of the
"make dist" tarball builds libndkern with autotools and installs the same
wheel "make wheel" makes (the package with libndkern.so and ndkern.h inside).

build_wheel configures and builds in a temporary directory
(``configure && make && make wheel``); a git checkout, which has no
configure yet, is bootstrapped first (``autoreconf -fi``, as ./bootstrap).
So the build needs what ./configure needs: a C compiler, make and, for a
checkout, the autotools.  config_settings: ``jobs`` (make -j, default 2) and
``configure-args`` (more ./configure arguments, space-separated).

build_editable (``pip install -e .``, which ./bootstrap --deps runs for
.venv) builds nothing: it installs a finder that imports ndkern from this
source tree's pyshim/ndkern, which then loads the library of the in-tree
build (csrc/.libs, made by make).
"""

import glob
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

import ndkern_wheel

__all__ = ["build_wheel", "build_sdist", "build_editable", "get_requires_for_build_wheel",
           "get_requires_for_build_sdist", "get_requires_for_build_editable"]

# The module the editable install's .pth imports: it adds a finder for
# "ndkern" only (a path entry for pyshim/ would expose setup.py too).  It is
# appended to sys.meta_path, so a PYTHONPATH with another ndkern still wins.
_EDITABLE_FINDER = """\
\"\"\"ndkern installed in editable mode: imported from {package}.\"\"\"
import importlib.util
import sys

_PACKAGE = {package!r}


class NdkernSourceFinder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "ndkern":
            return None
        return importlib.util.spec_from_file_location(
            name, _PACKAGE + "/__init__.py", submodule_search_locations=[_PACKAGE])


sys.meta_path.append(NdkernSourceFinder)
"""


def _run(command, cwd):
    print("ndkern_backend:", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def _configured_build(build_dir, config_settings):
    """Configure and build the source tree (the current directory) in `build_dir`."""
    source = os.getcwd()
    settings = config_settings or {}
    if not os.path.exists(os.path.join(source, "configure")):
        _run(["autoreconf", "-fi"], source)
    _run([os.path.join(source, "configure"), "--quiet", "--disable-dependency-tracking",
          f"PYTHON={sys.executable}"] + shlex.split(settings.get("configure-args", "")),
         build_dir)
    _run(["make", f"-j{settings.get('jobs', '2')}"], build_dir)


def _only_new(directory, pattern, before):
    (made,) = set(glob.glob(os.path.join(directory, pattern))) - before
    return os.path.basename(made)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    before = set(glob.glob(os.path.join(wheel_directory, "*.whl")))
    with tempfile.TemporaryDirectory(prefix="ndkern-build-") as build_dir:
        _configured_build(build_dir, config_settings)
        _run(["make", "wheel", f"WHEEL_DIR={os.path.abspath(wheel_directory)}"], build_dir)
    return _only_new(wheel_directory, "*.whl", before)


def build_sdist(sdist_directory, config_settings=None):
    """The "make dist" tarball (the autotools distribution)."""
    with tempfile.TemporaryDirectory(prefix="ndkern-dist-") as build_dir:
        _configured_build(build_dir, config_settings)
        _run(["make", "dist-gzip"], build_dir)
        name = _only_new(build_dir, "*.tar.gz", set())
        shutil.move(os.path.join(build_dir, name), os.path.join(sdist_directory, name))
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    source = os.getcwd()
    package = os.path.join(source, "pyshim", "ndkern")
    contents = {"_ndkern_editable.py": _EDITABLE_FINDER.format(package=package).encode(),
                "_ndkern_editable.pth": b"import _ndkern_editable\n"}
    wheel = ndkern_wheel.write_any_wheel(
        wheel_directory, contents, os.path.join(source, "csrc", "ndkern.h"),
        os.path.join(source, "pyshim", "pyproject.toml"), "any")
    return os.path.basename(wheel)


def get_requires_for_build_editable(config_settings=None):
    return []


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []
