/* fperr.c -- the IEEE exceptions a call raised (ndkern_fp_exceptions).
 *
 * square_array and sum_array run their computation inside a scope: the
 * caller's reported flags (invalid, divide-by-zero, overflow, underflow)
 * are saved and cleared if any is set, the computation raises flags on this
 * thread (the pool raises its helpers' flags here too, see pool.c), they
 * are recorded, and the caller's reported flags are put back if they
 * differ.  Inexact (and x86's denormal) is left as the arithmetic sets it,
 * as any C code does.  So a call without exceptions, from a caller without
 * reported flags, only reads the flags: no cost per element, almost none
 * per call.
 *
 * x86-64 computes float and double in SSE registers, so the flags are the
 * sticky bits of MXCSR, read and written directly: fenv.h's functions also
 * store and load the x87 environment (fnstenv/fldenv), ~400 ns per call
 * here, more than a 10-element sum.  Even a write of MXCSR that changes it
 * costs ~100 ns on the machines we measured, hence no write unless a flag
 * must change.  MXCSR's bits are fenv's FE_* values there.  Elsewhere
 * (aarch64: FPSR) fenv.h's functions are used. */
#include "internal.h"

/* A platform without one of these exceptions never raises it. */
#ifndef FE_DIVBYZERO
#define FE_DIVBYZERO 0
#endif
#ifndef FE_OVERFLOW
#define FE_OVERFLOW 0
#endif
#ifndef FE_UNDERFLOW
#define FE_UNDERFLOW 0
#endif
#ifndef FE_INVALID
#define FE_INVALID 0
#endif
#define FE_REPORTED (FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID)

#if NDK_FP_MXCSR
#include <immintrin.h>
#define MXCSR_FLAGS 0x3Fu /* IE DE ZE OE UE PE: the sticky exception bits */
_Static_assert(FE_INVALID == 0x01 && FE_DIVBYZERO == 0x04 && FE_OVERFLOW == 0x08 &&
                   FE_UNDERFLOW == 0x10 && (FE_ALL_EXCEPT & ~MXCSR_FLAGS) == 0,
               "fenv's FE_* bits are MXCSR's");

/* The MXCSR flags in `mask` become `flags`; no write if they are already. */
static void set_flags(unsigned mask, unsigned flags)
{
    const unsigned csr = _mm_getcsr();
    if ((csr & mask) != flags)
        _mm_setcsr((csr & ~mask) | flags);
}
#endif

/* The exceptions of the last square_array or sum_array call made on this
 * thread, as NDKERN_FP_* bits: the library's only per-thread state. */
static _Thread_local int last_exceptions;

int ndk_fp_raised(void)
{
#if NDK_FP_MXCSR
    return (int)(_mm_getcsr() & MXCSR_FLAGS);
#else
    return fetestexcept(FE_ALL_EXCEPT);
#endif
}

void ndk_fp_clear(void)
{
#if NDK_FP_MXCSR
    set_flags(MXCSR_FLAGS, 0);
#else
    feclearexcept(FE_ALL_EXCEPT);
#endif
}

void ndk_fp_raise(int raised)
{
#if NDK_FP_MXCSR
    const unsigned flags = (unsigned)raised & MXCSR_FLAGS;
    set_flags(flags, flags);
#else
    feraiseexcept(raised);
#endif
}

void ndk_fp_begin(struct ndk_fp_scope *scope)
{
    scope->caller_reported = ndk_fp_raised() & FE_REPORTED;
    if (scope->caller_reported == 0)
        return;
#if NDK_FP_MXCSR
    set_flags(FE_REPORTED, 0);
#else
    fegetexceptflag(&scope->caller_flags, FE_REPORTED);
    feclearexcept(FE_REPORTED);
#endif
}

/* Raised flags (FE_* bits) as NDKERN_FP_* bits. */
static int ndkern_bits(int raised)
{
    return (raised & FE_DIVBYZERO ? NDKERN_FP_DIVBYZERO : 0) |
           (raised & FE_OVERFLOW ? NDKERN_FP_OVERFLOW : 0) |
           (raised & FE_UNDERFLOW ? NDKERN_FP_UNDERFLOW : 0) |
           (raised & FE_INVALID ? NDKERN_FP_INVALID : 0);
}

void ndk_fp_end(const struct ndk_fp_scope *scope, int report)
{
    const int raised = ndk_fp_raised() & FE_REPORTED;
    last_exceptions = report ? ndkern_bits(raised) : 0;
    if (raised == scope->caller_reported)
        return;
#if NDK_FP_MXCSR
    set_flags(FE_REPORTED, (unsigned)scope->caller_reported);
#else
    feclearexcept(FE_REPORTED);
    if (scope->caller_reported != 0)
        fesetexceptflag(&scope->caller_flags, FE_REPORTED);
#endif
}

NDKERN_API int ndkern_fp_exceptions(void)
{
    return last_exceptions;
}
