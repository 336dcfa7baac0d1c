#!/bin/sh
# run.sh -- runs each libFuzzer target for SECONDS at every SIMD level this
# machine has (NDKERN_SIMD=baseline, avx2 when the CPU has AVX2 + FMA, and
# avx512 when it also has AVX-512F),
# starting from the committed seed corpus fuzz/corpus/<target>/.
#
#   fuzz/run.sh BUILDDIR [SECONDS [TARGET...]]
#
# BUILDDIR holds the programs of fuzz/build.sh; SECONDS defaults to 60 per
# target and level; TARGETs are among square, sum, convolve, batched
# (default: all).
# The levels of one target run side by side.  Work files go to
# BUILDDIR/run/<target>-<level>/: the inputs found (corpus/), the log, and
# any crash-*, timeout-*, leak-* or oom-* input.  FUZZ_ARGS adds libFuzzer
# flags.  Exit status 0 when no run found anything, 1 otherwise.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILDDIR [SECONDS [TARGET...]]" >&2
    exit 2
fi
build=$1
seconds=${2:-60}
shift
[ $# -gt 0 ] && shift
targets=${*:-square sum convolve batched}
src=$(cd "$(dirname "$0")/.." && pwd)

levels=baseline
if [ "$(uname -m)" = x86_64 ] &&
   grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
    levels="baseline avx2"
    grep -qw avx512f /proc/cpuinfo 2>/dev/null && levels="baseline avx2 avx512"
fi
# NEON is part of every aarch64 CPU.
[ "$(uname -m)" = aarch64 ] && levels="baseline neon"

# allocator_may_return_null: a huge allocation must reach the library as
# NULL (it then returns NDKERN_ENOMEM), not stop the run.
ASAN_OPTIONS=allocator_may_return_null=1:${ASAN_OPTIONS:-}
export ASAN_OPTIONS

run_one() { # target level
    dir=$build/run/$1-$2
    rm -rf "$dir"
    mkdir -p "$dir/corpus"
    NDKERN_SIMD=$2 "$build/fuzz_$1" -max_total_time="$seconds" -timeout=60 \
        -rss_limit_mb=0 -max_len=1024 -print_final_stats=1 \
        -artifact_prefix="$dir/" ${FUZZ_ARGS:-} "$dir/corpus" "$src/fuzz/corpus/$1" \
        >"$dir/log" 2>&1
    echo $? >"$dir/status"
}

for target in $targets; do
    for level in $levels; do
        run_one "$target" "$level" &
    done
    wait
done

failed=0 total=0
for target in $targets; do
    for level in $levels; do
        dir=$build/run/$target-$level
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
        findings=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' \
                   -o -name 'leak-*' -o -name 'oom-*' \) | wc -l)
        used=$(sed -n 's/^ndkern fuzz: simd level //p' "$dir/log" | head -n 1)
        status=$(cat "$dir/status")
        echo "fuzz_$target NDKERN_SIMD=$level (ran $used): ${execs:-0} execs," \
             "$findings findings, exit status $status"
        if [ "$status" != 0 ] || [ "$findings" != 0 ] || [ "$used" != "$level" ]; then
            failed=1
            echo "  see $dir/log:"
            grep -E 'FUZZ CHECK|ERROR|runtime error|SUMMARY' "$dir/log" | head -n 5 | sed 's/^/    /'
        fi
        total=$((total + ${execs:-0}))
    done
done
echo "fuzz: $total execs in all, $([ $failed = 0 ] && echo "no findings" || echo FINDINGS)"
exit $failed
