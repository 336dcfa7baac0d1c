#!/bin/sh
# all-levels.sh -- LOG_COMPILER for the C test programs: runs PROGRAM once per
# SIMD level this machine can run, with NDKERN_SIMD set to that level.
#
#   all-levels.sh PROGRAM [ARGS...]
#
# Each run also gets NDKERN_TEST_EXPECT_SIMD=LEVEL: the harness checks that
# ndkern_simd_level() reports it.  Lines "DIGEST name value" and
# "ARCH-DIGEST name value" that a program prints (results documented as
# bit-identical across levels) must be the same at every level.  NDKERN_TEST_LEVELS="baseline" overrides the list.
# The levels are those the build has (NDKERN_BUILDDIR/config.h, which for a
# cross build are not this machine's) and the CPU runs.
# With NDKERN_TEST_DIGEST_DIR set, the DIGEST lines (not ARCH-DIGEST: results
# identical on one architecture only) must also equal those in
# that directory's PROGRAM.digest (another build's, e.g. x86's for an
# aarch64 build under qemu), when the file exists.
#
# Exit status (automake): 99 if any run hit a hard error, else 1 if any run
# failed or the digests differ, else 77 if every run skipped, else 0.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 PROGRAM [ARGS...]" >&2
    exit 99
fi

# Linux lists avx2 (avx512f) only when the kernel saves the AVX (AVX-512)
# state.
cpu_has() {
    sed -n '/^flags/{p;q;}' /proc/cpuinfo 2>/dev/null | tr ' \t' '\n\n' | grep -qx "$1"
}
# Whether the library has the kernels of ISA (AVX2, AVX512, NEON): config.h
# says; without NDKERN_BUILDDIR, those of this machine's architecture.
built() {
    if [ -n "${NDKERN_BUILDDIR:-}" ]; then
        grep -q "^#define NDKERN_HAVE_$1_KERNELS 1" "$NDKERN_BUILDDIR/config.h"
    else
        case $1:$(uname -m) in
            AVX2:x86_64|AVX512:x86_64|NEON:aarch64) true ;;
            *) false ;;
        esac
    fi
}

cpu_has_avx2=0
levels=baseline
if built AVX2 && cpu_has avx2 && cpu_has fma && cpu_has f16c; then
    cpu_has_avx2=1
    levels="baseline avx2"
    cpu_has avx512f && built AVX512 && levels="baseline avx2 avx512"
fi
# NEON (ASIMD) is part of every aarch64 CPU: no check.
built NEON && levels="baseline neon"
levels=${NDKERN_TEST_LEVELS:-$levels}
NDKERN_TEST_CPU_HAS_AVX2=$cpu_has_avx2
export NDKERN_TEST_CPU_HAS_AVX2

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/ndkern-levels.XXXXXX") || exit 99
trap 'rm -rf "$tmpdir"' EXIT HUP INT TERM

# The other build's digests of this program (the program is the last argument).
for program do :; done
reference_digest=
if [ -n "${NDKERN_TEST_DIGEST_DIR:-}" ] &&
   [ -f "$NDKERN_TEST_DIGEST_DIR/${program##*/}.digest" ]; then
    reference_digest=$NDKERN_TEST_DIGEST_DIR/${program##*/}.digest
fi

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
    grep -E '^(ARCH-)?DIGEST ' "$tmpdir/out" >"$tmpdir/levels-digest.$level"
    grep '^DIGEST ' "$tmpdir/out" >"$tmpdir/digest.$level"
    if [ -z "$first_digest" ]; then
        first_digest=$level
    elif ! cmp -s "$tmpdir/levels-digest.$first_digest" "$tmpdir/levels-digest.$level"; then
        echo "FAIL: results documented as bit-identical differ between" \
             "NDKERN_SIMD=$first_digest and NDKERN_SIMD=$level:"
        diff "$tmpdir/levels-digest.$first_digest" "$tmpdir/levels-digest.$level"
        failed=1
    fi
    if [ -n "$reference_digest" ]; then
        if cmp -s "$reference_digest" "$tmpdir/digest.$level"; then
            echo "NDKERN_SIMD=$level: $(wc -l <"$reference_digest") DIGEST lines" \
                 "identical to $reference_digest"
        else
            echo "FAIL: results documented as bit-identical differ between" \
                 "NDKERN_SIMD=$level and $reference_digest:"
            diff "$reference_digest" "$tmpdir/digest.$level"
            failed=1
        fi
    fi
done

[ $hard = 1 ] && exit 99
[ $failed = 1 ] && exit 1
[ $passed = 0 ] && exit 77
exit 0
