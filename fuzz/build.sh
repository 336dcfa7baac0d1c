#!/bin/sh
# build.sh -- builds the libFuzzer targets: the library sources compiled into
# each target with coverage, AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   fuzz/build.sh [OUTDIR]      (default: ./fuzz-build)
#
# Environment: FUZZ_CC (default clang; needs libFuzzer, Debian's
# libclang-rt-NN-dev), FUZZ_CFLAGS (extra flags).  Writes OUTDIR/fuzz_square,
# OUTDIR/fuzz_sum, OUTDIR/fuzz_convolve and OUTDIR/fuzz_batched.  Exit status
# 77 when the compiler cannot build a libFuzzer program.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-fuzz-build}
cc=${FUZZ_CC:-clang}
mkdir -p "$out/obj"

# -ffp-contract=off as in the library build: the reference's float
# arithmetic must not be fused either.
common="-g -O1 -std=c11 -fno-omit-frame-pointer -ffp-contract=off -pthread \
 -fno-sanitize-recover=all -Wall -Wextra -D_GNU_SOURCE \
 -DNDKERN_BUILDING -I$src/csrc -I$src/tests/c ${FUZZ_CFLAGS:-}"
instrument="-fsanitize=fuzzer-no-link,address,undefined"
link="-fsanitize=fuzzer,address,undefined"

probe="$out/obj/probe.c"
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$probe"
if ! $cc $link "$probe" -o "$out/obj/probe" 2>"$out/obj/probe.log"; then
    echo "build.sh: $cc cannot link with $link (install clang and libclang-rt-dev):" >&2
    cat "$out/obj/probe.log" >&2
    exit 77
fi

# The AVX2+FMA and AVX-512F kernels only exist on x86-64, the NEON ones on
# aarch64 (as in configure.ac).
isa=""
case $(uname -m) in
    x86_64|amd64) isa="-DNDKERN_HAVE_AVX2_KERNELS=1 -DNDKERN_HAVE_AVX512_KERNELS=1" ;;
    aarch64|arm64) isa="-DNDKERN_HAVE_NEON_KERNELS=1" ;;
esac

objects=""
compile() { # "ISA FLAGS" FILE... (paths under csrc/, without .c)
    flags=$1
    shift
    for file in "$@"; do
        obj="$out/obj/$(echo "$file" | tr / _).o"
        $cc $common $isa $instrument $flags -c "$src/csrc/$file.c" -o "$obj"
        objects="$objects $obj"
    done
}
compile "" core layout pool fperr runtime square sum convolve convolve_batched fft fft_convolve kernels/isa_baseline
case $isa in
    *AVX2*)
        compile "-mavx2 -mfma -mf16c" kernels/isa_avx2 kernels/convolve_avx2
        compile "-mavx512f -mavx2 -mfma -mf16c" kernels/isa_avx512 kernels/convolve_avx512 ;;
    *NEON*)
        compile "" kernels/isa_neon kernels/convolve_neon ;;
esac

# The targets themselves get edge coverage only: tracing every comparison
# in their long reference loops would cost more than it guides.
for target in square sum convolve batched; do
    $cc $common -fsanitize=address,undefined -fsanitize-coverage=inline-8bit-counters,pc-table \
        -c "$src/fuzz/fuzz_$target.c" -o "$out/obj/fuzz_$target.o"
    $cc $common $link "$out/obj/fuzz_$target.o" $objects -lm -o "$out/fuzz_$target"
done
echo "build.sh: built $out/fuzz_square $out/fuzz_sum $out/fuzz_convolve $out/fuzz_batched"
