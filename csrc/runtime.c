/* runtime.c -- the one dispatch point (CPU probe, kernel table).  The
 * thread setting and the worker pool are in pool.c. */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

/* The kernel levels, lowest first; NDKERN_SIMD names the highest to use. */
static const struct ndk_kernels *const levels[] = {
    &ndk_kernels_baseline,
#if defined(NDKERN_HAVE_AVX2_KERNELS)
    &ndk_kernels_avx2,
#endif
#if defined(NDKERN_HAVE_AVX512_KERNELS)
    &ndk_kernels_avx512,
#endif
#if defined(NDKERN_HAVE_NEON_KERNELS)
    &ndk_kernels_neon,
#endif
};
#define NDK_NLEVELS ((int)(sizeof levels / sizeof levels[0]))

/* cpu_levels() counts the entries of `levels`, lowest first, that the CPU
 * and OS run. */
enum { RUNS_BASELINE = 1, RUNS_AVX2 = 2, RUNS_AVX512 = 3 };

#if defined(NDKERN_HAVE_AVX2_KERNELS)
#include <cpuid.h>

/* The CPUID leaves read (Intel SDM vol. 2A, CPUID; AMD APM vol. 3). */
#define CPUID_BASIC_LEAVES 0    /* __get_cpuid_max: highest basic leaf */
#define CPUID_LEAF_FEATURES 1   /* feature flags in ECX, EDX */
#define CPUID_LEAF_EXTENDED 7   /* extended feature flags, subleaf 0 */
/* Leaf 1, ECX. */
#define CPUID1_ECX_FMA (1u << 12)     /* FMA3: vfmadd* */
#define CPUID1_ECX_OSXSAVE (1u << 27) /* the OS enabled XSAVE: xgetbv may read XCR0 */
#define CPUID1_ECX_AVX (1u << 28)     /* AVX: 256-bit float instructions */
#define CPUID1_ECX_F16C (1u << 29)    /* F16C: vcvtph2ps / vcvtps2ph (float16) */
/* Leaf 7, subleaf 0, EBX. */
#define CPUID7_EBX_AVX2 (1u << 5)     /* AVX2: 256-bit integer instructions */
#define CPUID7_EBX_AVX512F (1u << 16) /* AVX-512 Foundation */

/* XCR0 is extended control register 0 of xgetbv: the register state the
 * OS saves on a context switch.  A level may use only registers whose state
 * is saved, whatever CPUID says the CPU has. */
#define XCR0_INDEX 0
#define XCR0_SSE (1u << 1)       /* XMM0-15 */
#define XCR0_AVX (1u << 2)       /* upper halves of YMM0-15 */
#define XCR0_OPMASK (1u << 5)    /* AVX-512 mask registers k0-7 */
#define XCR0_ZMM_HI256 (1u << 6) /* upper halves of ZMM0-15 */
#define XCR0_HI16_ZMM (1u << 7)  /* ZMM16-31 */
#define XCR0_AVX_STATE (XCR0_SSE | XCR0_AVX)
#define XCR0_AVX512_STATE (XCR0_AVX_STATE | XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

static int all_set(unsigned bits, unsigned mask)
{
    return (bits & mask) == mask;
}

/* The low half of XCR0 (every component above is in it).  Only valid when
 * CPUID reports OSXSAVE.  Inline assembly: the library is not built with
 * -mxsave, which the intrinsic would need. */
static unsigned read_xcr0(void)
{
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(XCR0_INDEX));
    return xcr0_lo;
}

/* avx2: AVX2, FMA and F16C in the CPU (every AVX2 CPU made has F16C), YMM
 * state saved by the OS.  avx512: also AVX-512F, with opmask and ZMM state
 * saved. */
static int cpu_levels(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(CPUID_LEAF_FEATURES, &eax, &ebx, &ecx, &edx))
        return RUNS_BASELINE;
    if (!all_set(ecx, CPUID1_ECX_FMA | CPUID1_ECX_OSXSAVE | CPUID1_ECX_AVX | CPUID1_ECX_F16C))
        return RUNS_BASELINE;
    const unsigned xcr0 = read_xcr0();
    if (!all_set(xcr0, XCR0_AVX_STATE))
        return RUNS_BASELINE;
    if (__get_cpuid_max(CPUID_BASIC_LEAVES, NULL) < CPUID_LEAF_EXTENDED)
        return RUNS_BASELINE;
    __cpuid_count(CPUID_LEAF_EXTENDED, 0, eax, ebx, ecx, edx);
    if (!all_set(ebx, CPUID7_EBX_AVX2))
        return RUNS_BASELINE;
    if (!all_set(ebx, CPUID7_EBX_AVX512F) || !all_set(xcr0, XCR0_AVX512_STATE))
        return RUNS_AVX2;
    return RUNS_AVX512;
}
#elif defined(NDKERN_HAVE_NEON_KERNELS)
#include <sys/auxv.h>

/* aarch64: the levels are baseline and neon. */
enum { RUNS_NEON = 2 };
/* Linux's AT_HWCAP bits for aarch64 (asm/hwcap.h, named here so that the
 * build does not depend on the kernel headers' age). */
#define ARM_HWCAP_FP (1ul << 0)    /* scalar floating point */
#define ARM_HWCAP_ASIMD (1ul << 1) /* NEON (Advanced SIMD) */

/* neon: NEON and FP, which Armv8-A makes mandatory (so every aarch64 Linux
 * lists them); checked anyway, as everything the kernels use is. */
static int cpu_levels(void)
{
    const unsigned long neon = ARM_HWCAP_FP | ARM_HWCAP_ASIMD;
    return (getauxval(AT_HWCAP) & neon) == neon ? RUNS_NEON : RUNS_BASELINE;
}
#else
static int cpu_levels(void)
{
    return RUNS_BASELINE;
}
#endif

static const struct ndk_kernels *chosen_kernels;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;

/* The best level the machine runs, at most the one NDKERN_SIMD names.  A
 * name that is not one of the levels the machine runs caps nothing (see
 * ndkern_simd_level in ndkern.h). */
static void choose_kernels(void)
{
    const char *want = getenv("NDKERN_SIMD");
    int n = cpu_levels();
    if (n > NDK_NLEVELS)
        n = NDK_NLEVELS;
    for (int i = 0; want != NULL && i < n; i++)
        if (strcmp(levels[i]->name, want) == 0) {
            n = i + 1;
            break;
        }
    chosen_kernels = levels[n - 1];
}

const struct ndk_kernels *ndk_kernels(void)
{
    pthread_once(&choose_once, choose_kernels);
    return chosen_kernels;
}

NDKERN_API const char *ndkern_simd_level(void)
{
    return ndk_kernels()->name;
}
