#!/bin/sh
# editable.sh -- the quick start's .venv: ./bootstrap --deps installs ndkern
# in editable mode ("pip install --no-build-isolation --no-deps -e ." from
# the source tree).  Here the same command runs in a fresh venv in a scratch
# directory (cffi and NumPy from PyPI or pip's cache); then, from another
# directory with no PYTHONPATH or NDKERN_*, the venv's python imports
# ndkern from this source tree and loads the in-tree build's library.  (In
# a VPATH build, such as distcheck's, there is no in-tree build: there the
# library is named with NDKERN_LIBRARY and only the package's origin is
# checked.)
. "$(dirname "$0")/common.sh"

work=$(scratch_dir editable)
venv="$work/venv"
fresh_venv "$venv"
run_logged "$work/pip-deps.log" "pip install cffi numpy" \
    "$venv/bin/python" -m pip install --disable-pip-version-check cffi numpy
run_logged "$work/pip-editable.log" "pip install --no-build-isolation --no-deps -e ." \
    sh -c 'cd "$1" && "$2" -m pip install --disable-pip-version-check --no-build-isolation \
        --no-deps -e .' sh "$REACH_SRCDIR" "$venv/bin/python"

srcdir=$(cd "$REACH_SRCDIR" && pwd -P)
builddir=$(cd "$REACH_BUILDDIR" && pwd -P)
in_tree_library="$srcdir/csrc/.libs/libndkern.so"
if [ "$srcdir" != "$builddir" ]; then
    NDKERN_LIBRARY="$builddir/csrc/.libs/libndkern.so"
    export NDKERN_LIBRARY
fi
mkdir "$work/elsewhere"
(cd "$work/elsewhere" && env -u PYTHONPATH -u LD_LIBRARY_PATH "$venv/bin/python" -c '
import os, sys
import ndkern
source, in_tree_library = sys.argv[1], sys.argv[2]
print(ndkern.__file__, ndkern.library_path)
assert ndkern.__file__ == os.path.join(source, "pyshim", "ndkern", "__init__.py"), ndkern.__file__
if "NDKERN_LIBRARY" not in os.environ:
    assert os.path.samefile(ndkern.library_path, in_tree_library), ndkern.library_path
assert (ndkern.square_array([1.0, 2.0, 3.0]) == [1.0, 4.0, 9.0]).all()
' "$srcdir" "$in_tree_library") || fail "the editable install does not import this tree's ndkern"
echo "PASS: pip install -e . gives a venv that imports ndkern from anywhere"
