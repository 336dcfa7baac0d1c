"""Import an installed ndkern and call every function against NumPy and
SciPy; run by tests/reach/install.sh and tests/reach/wheel.sh.

    python check_installed.py SITE_DIR VERSION [LIBRARY]

SITE_DIR is where the package must come from (PYTHONPATH points there),
VERSION the expected ndkern.__version__, LIBRARY the file the package must
have loaded.  Exits non-zero naming each problem.
"""

import array
import contextlib
import io
import os
import sys

import numpy as np
from scipy import signal


def same_file(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def main(site_dir, version, library=None):
    problems = [f"{name} is set" for name in os.environ if name.startswith("NDKERN_")]
    import ndkern

    package_dir = os.path.dirname(ndkern.__file__)
    print(f"ndkern {ndkern.__version__} from {package_dir}\n"
          f"  library {ndkern.library_path}\n  header  {ndkern.header_path}")
    if not same_file(os.path.dirname(package_dir), site_dir):
        problems.append(f"imported from {package_dir}, not from {site_dir}")
    if ndkern.__version__ != version:
        problems.append(f"__version__ is {ndkern.__version__!r}, expected {version!r}")
    if library and not same_file(ndkern.library_path, library):
        problems.append(f"loaded {ndkern.library_path}, expected {library}")
    if not same_file(os.path.dirname(ndkern.header_path), package_dir):
        problems.append(f"read {ndkern.header_path}, not the package's own ndkern.h")

    problems += calls_disagree(ndkern)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


def calls_disagree(ndkern):
    """Every public function, on a strided view with integer values (so
    every result is exact), against NumPy/SciPy; the problems found."""
    x = np.arange(1.0, 25.0).reshape(4, 6)[:, ::2]
    kernel = np.array([[1.0, 2.0], [3.0, -1.0]])
    flat = array.array("d", [0.0] * x.size)
    ndkern.square_array(x, out=flat)
    with ndkern.threads(1):
        single = ndkern.sum_array(x)
    ndkern.set_num_threads(2)
    threads = ndkern.get_num_threads()
    ndkern.set_num_threads(0)
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        ndkern.show_config()
    checks = [
        ("square_array", ndkern.square_array(x), np.square(x)),
        ("square_array(out=array.array)", np.asarray(flat).reshape(x.shape), np.square(x)),
        ("sum_array", ndkern.sum_array(x), np.sum(x)),
        ("sum_array(axis=0)", ndkern.sum_array(x, axis=0), np.sum(x, axis=0)),
        ("sum_array with threads(1)", single, np.sum(x)),
        ("convolve2d", ndkern.convolve2d(x, kernel), signal.convolve2d(x, kernel)),
        ("convolve2d same symm", ndkern.convolve2d(x, kernel, "same", "symm"),
         signal.convolve2d(x, kernel, "same", "symm")),
        ("correlate2d", ndkern.correlate2d(x, kernel, "valid"),
         signal.correlate2d(x, kernel, "valid")),
        ("set/get_num_threads", threads, 2),
        ("simd_level", ndkern.simd_level() in ("baseline", "avx2", "avx512"), True),
        ("show_config names the library", ndkern.library_path in shown.getvalue(), True),
    ]
    return [f"{name} returned\n{got}\nexpected\n{want}"
            for name, got, want in checks if not np.array_equal(got, want)]


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
