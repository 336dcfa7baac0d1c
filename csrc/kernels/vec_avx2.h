/* vec_avx2.h -- the vector layer (vec.h) with 256-bit AVX2 + FMA vectors
 * (16 registers), from the x86 body in vec_x86.h.  Only for translation
 * units built with -mavx2 -mfma -mf16c. */
#define NDKV_X86_BITS 256
#define NDKV_X86_TYPE(sfx) __m256##sfx
#define NDKV_X86_WIDE(op) _mm256_##op
#define NDKV_X86_HALF(op) _mm_##op
#define NDKV_NREGS 16
#include "vec_x86.h"
