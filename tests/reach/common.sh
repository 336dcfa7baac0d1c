# common.sh -- sourced by the tests/reach/*.sh tests (run by "make check",
# which sets REACH_SRCDIR, REACH_BUILDDIR, REACH_PYTHON, REACH_CC, REACH_MAKE).
#
# install.sh configures the distribution with --prefix=$REACH_PREFIX and
# installs it there; the example tests build and run against that prefix.
# Exit status: 0 pass, 1 fail, 77 skip (only for a missing toolchain on a
# machine that is not Debian, where ./bootstrap --deps cannot install it).

set -eu

: "${REACH_SRCDIR:?run this test with make check}" "${REACH_BUILDDIR:?run this test with make check}"
REACH_WORK="$REACH_BUILDDIR/tests/reach/work"
REACH_PREFIX="$REACH_WORK/prefix"

# The package's own overrides would hide what the install really does.
for variable in $(env | sed -n 's/^\(NDKERN_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$variable"
done

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# require_tool COMMAND DEBIAN_PACKAGE
require_tool() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ -f /etc/debian_version ]; then
        fail "$1 is not on PATH. './bootstrap --deps' installs it (Debian package $2)."
    fi
    echo "SKIP: $1 is not on PATH and this is not a Debian machine, so" \
         "'./bootstrap --deps' could not install it; install $1 to run this test." >&2
    exit 77
}

# use_installed_prefix: pkg-config and the dynamic loader find the library
# install.sh installed.
use_installed_prefix() {
    [ -f "$REACH_PREFIX/lib/pkgconfig/ndkern.pc" ] \
        || fail "no installed ndkern in $REACH_PREFIX: see tests/reach/install.log"
    require_tool pkg-config pkg-config
    PKG_CONFIG_PATH="$REACH_PREFIX/lib/pkgconfig"
    export PKG_CONFIG_PATH
    LD_LIBRARY_PATH="$(pkg-config --variable=libdir ndkern)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
}

# make_quietly ARGS...: a make of its own, not part of "make check"'s.
make_quietly() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR $REACH_MAKE "$@"; }

# run_logged LOG DESCRIPTION COMMAND...: on failure show the log's end.
run_logged() {
    log=$1 description=$2
    shift 2
    echo "== $description"
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        fail "$description (log: $log)"
    fi
}

# fresh_venv DIR: a new virtual environment of the configure-time Python,
# with pip; packages come from PyPI (or pip's cache).
fresh_venv() {
    [ "$REACH_PYTHON" != none ] || fail "configure found no Python"
    run_logged "$1.log" "python -m venv ${1##*/}" "$REACH_PYTHON" -m venv "$1"
}

# A fresh scratch directory for one test.
scratch_dir() {
    rm -rf "$REACH_WORK/$1"
    mkdir -p "$REACH_WORK/$1"
    echo "$REACH_WORK/$1"
}
