#!/usr/bin/env bash
# robustness.sh -- the reliability checks: a .so dropped into someone else's
# process must never crash or corrupt memory.  Each step builds in its own
# temporary directory (VPATH) from a pristine copy of the source tree, so the
# checkout itself may be configured and built in place.
#
#   tests/ci/robustness.sh [STEP...]        (default: every step, in order)
#
# Steps:
#   sanitizers  gcc --enable-sanitizers (ASan + UBSan): the C tests at every
#               SIMD level and the Python tests against the sanitized library
#   werror      gcc and clang --enable-werror builds of the library and the
#               C test programs
#   valgrind    make check-valgrind (memcheck of every C test program)
#   lint        make lint (cppcheck on csrc/)
#   fuzz        the libFuzzer targets, FUZZ_SECONDS (60) per target and level
#   slow        the Python tests marked slow (> 2^31 elements and bytes)
#   numpy1      the Python tests under NumPy 1.x and SciPy < 1.14
#
# Environment: PYTHON (default: the checkout's .venv, else python3);
# FUZZ_SECONDS; ROBUSTNESS_DIR (work directory, default a new one under
# $TMPDIR, removed when every step passed); NUMPY1_VENV (default
# ~/.cache/ndkern/venv-numpy1, created on first use from PyPI) and
# NUMPY1_PACKAGES (default: numpy<2 scipy<1.14 cffi pytest hypothesis
# threadpoolctl dask distributed: README's snippets use the last three).
# Prints a line per step and "N passed, N failed"; exit status 1 if any
# step failed (its log is kept in the work directory).
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
steps=${*:-sanitizers werror valgrind lint fuzz slow numpy1}
python=${PYTHON:-}
[ -z "$python" ] && [ -x "$src/.venv/bin/python" ] && python=$src/.venv/bin/python
[ -z "$python" ] && python=$(command -v python3)
fuzz_seconds=${FUZZ_SECONDS:-60}
numpy1_venv=${NUMPY1_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ndkern/venv-numpy1}
numpy1_packages=${NUMPY1_PACKAGES:-numpy<2 scipy<1.14 cffi pytest hypothesis threadpoolctl dask distributed}
work=${ROBUSTNESS_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ndkern-robustness.XXXXXX")}
mkdir -p "$work"
jobs=2

# A pristine source tree: the files git knows (tracked, or new and not
# ignored), without any in-place build, with configure generated afresh.
copy_sources() {
    rm -rf "$work/src"
    mkdir -p "$work/src"
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$src" ls-files -z -co --exclude-standard |
            tar -C "$src" --null -T - --ignore-failed-read -cf - | tar -xf - -C "$work/src"
    else
        cp -a "$src/." "$work/src/"
        [ -f "$work/src/Makefile" ] && make -C "$work/src" distclean >/dev/null
    fi
    (cd "$work/src" && ./bootstrap)
}

# configure_in DIR [CONFIGURE ARGS...]: a fresh VPATH build directory.
configure_in() {
    local dir=$work/$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$work/src/configure" -q PYTHON="$python" "$@")
}

in_dir() { # DIR COMMAND...
    local dir=$work/$1
    shift
    (cd "$dir" && "$@")
}

step_sanitizers() {
    configure_in asan --enable-sanitizers &&
        in_dir asan make -j$jobs &&
        in_dir asan make -j$jobs check TESTS='$(check_PROGRAMS) tests/c/exports.sh'
}

# The gcc -Werror build is also the plain build of the later steps.
plain_build() {
    [ -f "$work/plain/.built" ] && return 0
    configure_in plain CC=gcc --enable-werror &&
        in_dir plain make -j$jobs && in_dir plain make -j$jobs check-programs &&
        touch "$work/plain/.built"
}

step_werror() {
    plain_build &&
        configure_in clang CC=clang --enable-werror &&
        in_dir clang make -j$jobs && in_dir clang make -j$jobs check-programs
}

step_valgrind() {
    plain_build && in_dir plain make -j$jobs check-valgrind
}

step_lint() {
    plain_build && in_dir plain make lint
}

step_fuzz() {
    plain_build && in_dir plain make fuzz-run FUZZ_SECONDS="$fuzz_seconds"
}

step_slow() {
    plain_build && in_dir plain make check-local PYTEST_ARGS='-m slow'
}

numpy1_env() {
    if [ ! -x "$numpy1_venv/bin/python" ] ||
       ! "$numpy1_venv/bin/python" -c 'import numpy, scipy, cffi, pytest, hypothesis, threadpoolctl, dask.array, distributed' 2>/dev/null; then
        rm -rf "$numpy1_venv"
        mkdir -p "$(dirname "$numpy1_venv")"
        python3 -m venv "$numpy1_venv" &&
            "$numpy1_venv/bin/python" -m pip install -q --upgrade pip &&
            # shellcheck disable=SC2086 # one word per requirement
            "$numpy1_venv/bin/python" -m pip install -q $numpy1_packages || return 1
    fi
    "$numpy1_venv/bin/python" -c \
        'import numpy, scipy; print("NumPy", numpy.__version__, "SciPy", scipy.__version__)'
    "$numpy1_venv/bin/python" -c 'import numpy, sys; sys.exit(numpy.__version__ >= "2")' ||
        { echo "numpy1: $numpy1_venv has NumPy 2"; return 1; }
}

step_numpy1() {
    plain_build && numpy1_env &&
        in_dir plain make check-local PYTHON="$numpy1_venv/bin/python"
}

echo "robustness: sources $src, work directory $work, python $python"
start=$SECONDS
if ! copy_sources >"$work/sources.log" 2>&1; then
    echo "robustness: could not copy and bootstrap the sources:"
    tail -n 20 "$work/sources.log"
    echo "0 passed, 1 failed"
    exit 1
fi

passed=0 failed=0 failed_steps=""
for step in $steps; do
    if ! declare -F "step_$step" >/dev/null; then
        echo "robustness: unknown step '$step'" >&2
        exit 2
    fi
    step_start=$SECONDS
    if "step_$step" >"$work/$step.log" 2>&1; then
        passed=$((passed + 1))
        result=PASS
    else
        failed=$((failed + 1))
        failed_steps="$failed_steps $step"
        result=FAIL
    fi
    echo "$result: $step ($((SECONDS - step_start)) s)"
    # A summary worth reading in CI logs.
    case $step in
        fuzz) grep -E '^fuzz' "$work/$step.log" | sed 's/^/    /' ;;
        sanitizers | valgrind) grep -E '^(# (PASS|FAIL|ERROR)|[0-9]+ (passed|failed))' \
                                   "$work/$step.log" | sed 's/^/    /' ;;
        slow | numpy1) grep -E '^(NumPy|[0-9]+ (passed|failed))' "$work/$step.log" | sed 's/^/    /' ;;
    esac
    if [ $result = FAIL ]; then
        echo "    log: $work/$step.log"
        grep -E 'FAIL|ERROR|error:|Error|runtime error|FUZZ CHECK' "$work/$step.log" |
            head -n 15 | sed 's/^/    /'
    fi
done

echo "robustness: $((SECONDS - start)) s in all"
if [ $failed = 0 ] && [ -z "${ROBUSTNESS_DIR:-}" ]; then
    rm -rf "$work"
fi
[ -n "$failed_steps" ] && echo "robustness: failed steps:$failed_steps"
echo "robustness: $passed passed, $failed failed"
[ $failed = 0 ]
