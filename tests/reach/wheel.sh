#!/bin/sh
# wheel.sh -- the Python package as pip users get it:
#   1. "make wheel" makes one ndkern-<version>-py3-none-manylinux_*.whl
#      holding the pure-Python package, libndkern.so and ndkern.h, and no
#      extension module; auditwheel show agrees with its tag;
#   2. into a fresh venv in a scratch directory, "pip install" the wheel (its
#      dependencies and SciPy come from PyPI or pip's cache); from another
#      directory, with no NDKERN_*, LD_LIBRARY_PATH or PYTHONPATH, import
#      it and call every function against NumPy/SciPy: the bundled library
#      is loaded;
#   3. "pip install" the "make dist" tarball into the same venv: the PEP 517
#      backend of ./pyproject.toml runs configure && make; the same checks.
. "$(dirname "$0")/common.sh"

work=$(scratch_dir wheel)
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$REACH_BUILDDIR/Makefile")
run_logged "$work/make-wheel.log" "make wheel" \
    make_quietly -C "$REACH_BUILDDIR" wheel WHEEL_DIR="$work/dist"
wheel=$(ls "$work"/dist/*.whl)
echo "$wheel ($(wc -c <"$wheel") bytes)"
case "${wheel##*/}" in
    "ndkern-$version-py3-none-manylinux_"*.whl) ;;
    *) fail "expected ndkern-$version-py3-none-manylinux_*.whl, made ${wheel##*/}" ;;
esac
"$REACH_PYTHON" "$REACH_SRCDIR/tests/reach/check_wheel.py" "$wheel" \
    || fail "the wheel's contents are wrong (above)"
"$REACH_PYTHON" -m auditwheel show "$wheel" >"$work/auditwheel.log" 2>&1 \
    || { cat "$work/auditwheel.log" >&2; fail "auditwheel show failed"; }
tag=$(echo "${wheel##*/}" | sed 's/.*-py3-none-\(.*\)\.whl$/\1/')
grep -q "platform tag: \"$tag\"" "$work/auditwheel.log" \
    || { cat "$work/auditwheel.log" >&2; fail "auditwheel show does not report $tag"; }

venv="$work/venv"
fresh_venv "$venv"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir "$work/elsewhere"
# check_site: the venv's ndkern, from elsewhere, with nothing pointing at it.
check_site() {
    (cd "$work/elsewhere" && env -u PYTHONPATH -u LD_LIBRARY_PATH "$venv/bin/python" \
        "$REACH_SRCDIR/tests/reach/check_installed.py" "$site" "$version" \
        "$site/ndkern/libndkern.so") || fail "the package installed by $1 does not work (above)"
}
run_logged "$work/pip-wheel.log" "pip install ${wheel##*/} scipy" \
    "$venv/bin/python" -m pip install --disable-pip-version-check "$wheel" scipy
check_site "the wheel"

tarball_dir="ndkern-$version"
run_logged "$work/distdir.log" "make distdir" \
    make_quietly -C "$REACH_BUILDDIR" distdir distdir="$work/$tarball_dir"
(cd "$work" && tar czf "$tarball_dir.tar.gz" "$tarball_dir" && rm -rf "$tarball_dir")
run_logged "$work/pip-sdist.log" "pip install $tarball_dir.tar.gz (configure && make)" \
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$venv/bin/python" -m pip install -v \
    --disable-pip-version-check --force-reinstall --no-deps "$work/$tarball_dir.tar.gz"
grep -q "ndkern_backend: .*/configure" "$work/pip-sdist.log" \
    || fail "pip did not run configure (see $work/pip-sdist.log)"
check_site "the make dist tarball"
echo "PASS: make wheel ($tag) and pip install of the tarball work in a fresh venv"
