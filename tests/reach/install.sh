#!/bin/sh
# install.sh -- the install story, end to end (see docs: Installation):
#   1. configure the distribution ("make distdir") with --prefix=P and build;
#   2. "make install DESTDIR=D": every file lands under D/P and none names D;
#      moved to P, as a package manager would, the Python package works;
#   3. "make install" straight into P: the same checks, plus pkg-config;
#   4. "pip install" of pyshim against that installed library, found through
#      pkg-config (recorded when the package is built) and through
#      ctypes.util.find_library (LD_LIBRARY_PATH).
# Python runs with PYTHONPATH at the installed package, from a directory
# outside the source tree, with no NDKERN_* variable.  P stays installed for
# the example tests.
. "$(dirname "$0")/common.sh"

require_tool pkg-config pkg-config
[ "$REACH_PYTHON" != none ] \
    || fail "configure found no Python; './bootstrap --deps' makes .venv with what it needs"

work=$(scratch_dir install)
rm -rf "$REACH_PREFIX"
stage="$work/stage"

run_logged "$work/distdir.log" "make distdir" \
    make_quietly -C "$REACH_BUILDDIR" distdir distdir="$work/src"
mkdir "$work/build"
cd "$work/build"
run_logged "$work/configure.log" "configure --prefix=$REACH_PREFIX" \
    "$work/src/configure" --prefix="$REACH_PREFIX" PYTHON="$REACH_PYTHON" CC="$REACH_CC" \
    --disable-dependency-tracking
run_logged "$work/make.log" "make" make_quietly -j2
version=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile)

# check_tree ROOT: ROOT holds what "make install" puts in the prefix.
check_tree() {
    root=$1
    for file in lib/libndkern.so include/ndkern.h lib/pkgconfig/ndkern.pc; do
        [ -e "$root/$file" ] || fail "$file is not installed"
    done
    ls "$root"/lib/libndkern.so.* >/dev/null 2>&1 || fail "lib/libndkern.so.N is not installed"
    package_dir=$(find "$root" -path '*/ndkern/__init__.py' | sed 's|/__init__.py$||')
    [ -n "$package_dir" ] && [ "$(echo "$package_dir" | wc -l)" -eq 1 ] \
        || fail "expected one installed Python package, found: '$package_dir'"
    for module in "$REACH_SRCDIR"/pyshim/ndkern/*.py; do
        [ -f "$package_dir/${module##*/}" ] || fail "pyshim/ndkern/${module##*/} is not" \
            "installed: add it to NDKERN_PY_MODULES in Makefile.am"
    done
    cmp "$REACH_SRCDIR/csrc/ndkern.h" "$package_dir/ndkern.h" \
        || fail "the package has no copy of csrc/ndkern.h"
    recorded=$("$REACH_PYTHON" -c 'import runpy, sys; print(runpy.run_path(sys.argv[1])["LIBDIR"])' \
        "$package_dir/_buildconfig.py") || fail "no readable _buildconfig.py in $package_dir"
    [ "$recorded" = "$REACH_PREFIX/lib" ] \
        || fail "_buildconfig.py records LIBDIR $recorded, not $REACH_PREFIX/lib"
    site_dir=${package_dir%/ndkern}
    site_dir="$REACH_PREFIX${site_dir#"$root"}"
}

# check_python SITE_DIR [LIBRARY]: import the package installed in SITE_DIR.
check_python() {
    (cd "$REACH_WORK" && PYTHONPATH="$1" "$REACH_PYTHON" -s \
        "$REACH_SRCDIR/tests/reach/check_installed.py" "$1" "$version" ${2:+"$2"}) \
        || fail "the package in $1 does not work (above)"
}

run_logged "$work/install-destdir.log" "make install DESTDIR=$stage" \
    make_quietly install DESTDIR="$stage"
check_tree "$stage$REACH_PREFIX"
outside=$(find "$stage" ! -type d ! -path "$stage$REACH_PREFIX/*")
[ -z "$outside" ] || fail "make install DESTDIR put files outside DESTDIR/prefix: $outside"
named=$(grep -rlF "$stage" "$stage$REACH_PREFIX" || true)
[ -z "$named" ] || fail "installed files name the DESTDIR staging directory: $named"
cp -PR "$stage$REACH_PREFIX" "$REACH_PREFIX"
echo "== Python, the staged install moved into $REACH_PREFIX"
check_python "$site_dir" "$REACH_PREFIX/lib/libndkern.so"
rm -rf "$REACH_PREFIX"

run_logged "$work/install.log" "make install" make_quietly install
check_tree "$REACH_PREFIX"
echo "== Python, installed into $REACH_PREFIX"
check_python "$site_dir" "$REACH_PREFIX/lib/libndkern.so"
echo "== pkg-config"
flags=$(PKG_CONFIG_PATH="$REACH_PREFIX/lib/pkgconfig" pkg-config --cflags --libs ndkern) \
    || fail "pkg-config does not find ndkern in $REACH_PREFIX/lib/pkgconfig"
echo "pkg-config --cflags --libs ndkern: $flags"
[ "$(echo $flags)" = "-I$REACH_PREFIX/include -L$REACH_PREFIX/lib -lndkern" ] \
    || fail "unexpected pkg-config flags"
[ "$(PKG_CONFIG_PATH="$REACH_PREFIX/lib/pkgconfig" pkg-config --modversion ndkern)" = "$version" ] \
    || fail "pkg-config --modversion is not $version"

# pip_install SOURCE TARGET: "pip install SOURCE" offline into TARGET.
pip_install() {
    run_logged "$2.log" "pip install ${1#"$work/"} (into ${2#"$work/"})" \
        "$REACH_PYTHON" -m pip install --no-deps --no-build-isolation --no-index \
        --disable-pip-version-check -q --target "$2" "$1"
}
# fresh_pyshim DIR: a writable copy of pyshim/ without generated files.
fresh_pyshim() {
    mkdir -p "$1"
    cp -R "$REACH_SRCDIR/pyshim" "$1/"
    chmod -R u+w "$1"
    rm -rf "$1/pyshim/build" "$1"/pyshim/*.egg-info "$1/pyshim/ndkern/_buildconfig.py" \
        "$1/pyshim/ndkern/ndkern.h"
    find "$1" -name __pycache__ -prune -exec rm -rf {} +
}

# pyshim alone (no csrc/ beside it): pkg-config gives the libdir and header.
fresh_pyshim "$work/pyshim-alone"
PKG_CONFIG_PATH="$REACH_PREFIX/lib/pkgconfig" pip_install "$work/pyshim-alone/pyshim" "$work/pip-pkg-config"
echo "== Python, pip install with pkg-config"
check_python "$work/pip-pkg-config" "$REACH_PREFIX/lib/libndkern.so"

# pyshim in a checkout, no pkg-config: ctypes.util.find_library finds it.
fresh_pyshim "$work/checkout"
mkdir "$work/checkout/csrc" "$work/no-pc"
cp "$REACH_SRCDIR/csrc/ndkern.h" "$work/checkout/csrc/"
PKG_CONFIG_LIBDIR="$work/no-pc" PKG_CONFIG_PATH="" \
    pip_install "$work/checkout/pyshim" "$work/pip-find-library"
echo "== Python, pip install without pkg-config, LD_LIBRARY_PATH=$REACH_PREFIX/lib"
LD_LIBRARY_PATH="$REACH_PREFIX/lib" check_python "$work/pip-find-library"
echo "PASS: install, DESTDIR staging, pkg-config and pip install all work"
