#!/bin/sh
# all-levels.sh -- LOG_COMPILER for the C test programs: runs PROGRAM once per
# SIMD level this machine can run, with NDKERN_SIMD set to that level.
#
#   all-levels.sh PROGRAM [ARGS...]
#
# Each run also gets NDKERN_TEST_EXPECT_SIMD=LEVEL: the harness checks that
# ndkern_simd_level() reports it.  Lines "DIGEST name value" that a program
# prints (results documented as bit-identical across levels) must be the same
# at every level.  NDKERN_TEST_LEVELS="baseline" overrides the list.
#
# Exit status (automake): 99 if any run hit a hard error, else 1 if any run
# failed or the digests differ, else 77 if every run skipped, else 0.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 PROGRAM [ARGS...]" >&2
    exit 99
fi

# Linux lists avx2 (avx512f) only when the kernel saves the AVX (AVX-512)
# state.  The avx512 level also needs a library built with it (config.h).
cpu_has() {
    sed -n '/^flags/{p;q;}' /proc/cpuinfo 2>/dev/null | tr ' \t' '\n\n' | grep -qx "$1"
}
built_avx512() {
    [ -z "${NDKERN_BUILDDIR:-}" ] ||
        grep -q '^#define NDKERN_HAVE_AVX512_KERNELS 1' "$NDKERN_BUILDDIR/config.h"
}

cpu_has_avx2=0
levels=baseline
case $(uname -m) in
    x86_64|amd64)
        if cpu_has avx2 && cpu_has fma; then
            cpu_has_avx2=1
            levels="baseline avx2"
            cpu_has avx512f && built_avx512 && levels="baseline avx2 avx512"
        fi ;;
esac
levels=${NDKERN_TEST_LEVELS:-$levels}
NDKERN_TEST_CPU_HAS_AVX2=$cpu_has_avx2
export NDKERN_TEST_CPU_HAS_AVX2

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/ndkern-levels.XXXXXX") || exit 99
trap 'rm -rf "$tmpdir"' EXIT HUP INT TERM

hard=0 failed=0 passed=0 first_digest=
for level in $levels; do
    echo "=== NDKERN_SIMD=$level $*"
    NDKERN_SIMD=$level NDKERN_TEST_EXPECT_SIMD=$level "$@" >"$tmpdir/out" 2>&1
    rc=$?
    cat "$tmpdir/out"
    echo "=== NDKERN_SIMD=$level: exit status $rc"
    case $rc in
        0) passed=$((passed + 1)) ;;
        77) ;;
        99) hard=1 ;;
        *) failed=1 ;;
    esac
    [ $rc = 77 ] && continue
    grep '^DIGEST ' "$tmpdir/out" >"$tmpdir/digest.$level"
    if [ -z "$first_digest" ]; then
        first_digest=$level
    elif ! cmp -s "$tmpdir/digest.$first_digest" "$tmpdir/digest.$level"; then
        echo "FAIL: results documented as bit-identical differ between" \
             "NDKERN_SIMD=$first_digest and NDKERN_SIMD=$level:"
        diff "$tmpdir/digest.$first_digest" "$tmpdir/digest.$level"
        failed=1
    fi
done

[ $hard = 1 ] && exit 99
[ $failed = 1 ] && exit 1
[ $passed = 0 ] && exit 77
exit 0
