/* vec_avx512.h -- the vector layer (vec.h) with 512-bit AVX-512F vectors
 * (32 registers), from the x86 body in vec_x86.h.  Only for translation
 * units built with -mavx512f -mavx2 -mfma -mf16c. */
#define NDKV_X86_BITS 512
#define NDKV_X86_TYPE(sfx) __m512##sfx
#define NDKV_X86_WIDE(op) _mm512_##op
#define NDKV_X86_HALF(op) _mm256_##op
#define NDKV_NREGS 32
#include "vec_x86.h"
