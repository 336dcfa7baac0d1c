/*
 * ndkern.h -- the public interface of libndkern, a library of array kernels
 * with NumPy/SciPy semantics and a flat C ABI.
 *
 * Conventions shared by every function:
 *
 *  - An array is a base pointer plus `ndim`, `shape[ndim]` (element counts)
 *    and `strides[ndim]` in BYTES (not elements).  The base pointer addresses
 *    the element with all indices zero.  Strides may be negative; input
 *    strides may be zero (broadcasting).  Output strides must not be zero on
 *    an axis of extent > 1.  Data may have any alignment.
 *  - All sizes and strides are signed 64-bit.  Element counts and byte spans
 *    are checked for overflow before any pointer arithmetic.
 *  - A pointer may be NULL only when the array has no elements.
 *  - Every function returns NDKERN_OK (0) or a negative NDKERN_E* code and
 *    writes nothing to its outputs when it returns an error.
 *  - The library never allocates memory that outlives a call (but for its
 *    worker threads), never prints, never aborts, and keeps no global
 *    mutable state except the thread setting (ndkern_set_num_threads) and
 *    its pool of worker threads; its one per-thread value is the set of
 *    floating-point exceptions of the thread's last square_array or
 *    sum_array call (ndkern_fp_exceptions).  Every function is thread-safe
 *    and reentrant.  Results do not depend on the number of threads.
 *
 * The declarations between the NDKERN_CDEF markers are read by the Python
 * package (cffi ABI mode); keep them to plain C declarations, enums and
 * integer #defines.
 */
#ifndef NDKERN_H
#define NDKERN_H

#include <stdint.h>

#if defined(NDKERN_BUILDING) && (defined(__GNUC__) || defined(__clang__))
#  define NDKERN_API __attribute__((visibility("default")))
#else
#  define NDKERN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Library version; ndkern_version() returns the same as a string. */
#define NDKERN_VERSION_MAJOR 0
#define NDKERN_VERSION_MINOR 1
#define NDKERN_VERSION_PATCH 0

/* NDKERN_CDEF_BEGIN */

/* Largest accepted `ndim` (NumPy 2 allows 64 dimensions too). */
#define NDKERN_MAX_NDIM 64

/* Return codes.  ndkern_strerror() describes each, ndkern_status_name()
 * names it. */
enum ndkern_status {
    NDKERN_OK = 0,
    NDKERN_EINVAL = -1,    /* bad pointer, ndim, extent, stride, mode or boundary */
    NDKERN_EDTYPE = -2,    /* unknown dtype code, or a dtype pair not supported  */
    NDKERN_ESHAPE = -3,    /* output shape does not match what the inputs imply   */
    NDKERN_EOVERLAP = -4,  /* an output overlaps an input other than exactly      */
    NDKERN_ENOMEM = -5,    /* a temporary buffer could not be allocated           */
    NDKERN_EOVERFLOW = -6  /* an element count or byte span overflows 64 bits     */
};

/* Element types.  The values are part of the ABI and never change.
 * Complex types are pairs (real, imaginary) of the float type, as in C99
 * `float _Complex` and NumPy's complex64/complex128.
 * NDKERN_BOOL is one byte, as NumPy's bool and C's `_Bool` in memory: any
 * nonzero byte is True (1).  NDKERN_FLOAT16 is IEEE 754 binary16 (NumPy's
 * float16, C23 `_Float16`, ARM's `__fp16`), passed as its 16 bits. */
enum ndkern_dtype {
    NDKERN_INT8 = 0,
    NDKERN_INT16 = 1,
    NDKERN_INT32 = 2,
    NDKERN_INT64 = 3,
    NDKERN_UINT8 = 4,
    NDKERN_UINT16 = 5,
    NDKERN_UINT32 = 6,
    NDKERN_UINT64 = 7,
    NDKERN_FLOAT32 = 8,
    NDKERN_FLOAT64 = 9,
    NDKERN_COMPLEX64 = 10,
    NDKERN_COMPLEX128 = 11,
    NDKERN_BOOL = 12,
    NDKERN_FLOAT16 = 13
};

/* Output size of convolve2d / ndkern_correlate2d, as in scipy.signal. */
enum ndkern_mode {
    NDKERN_MODE_FULL = 0,   /* (M1 + M2 - 1, N1 + N2 - 1)                       */
    NDKERN_MODE_SAME = 1,   /* the shape of the first input                      */
    NDKERN_MODE_VALID = 2   /* (|M1 - M2| + 1, |N1 - N2| + 1): no boundary used  */
};

/* How the first input is extended past its edges, as in scipy.signal. */
enum ndkern_boundary {
    NDKERN_BOUNDARY_FILL = 0,  /* pad with *fillvalue                       */
    NDKERN_BOUNDARY_WRAP = 1,  /* periodic: ... c d | a b c d | a b ...      */
    NDKERN_BOUNDARY_SYMM = 2   /* mirrored: ... b a | a b c d | d c ...      */
};

/*
 * square_array: out = x * x elementwise, exactly as numpy.square.
 *
 *   x, x_strides      input array (x_strides may contain 0 and negatives)
 *   out, out_strides  output array of the same shape and dtype
 *   ndim, shape       0 <= ndim <= NDKERN_MAX_NDIM; shape[i] >= 0
 *   dtype             an enum ndkern_dtype value
 *
 * Integers wrap modulo 2^bits like NumPy.  Complex (a+bi)^2 is computed as
 * NumPy computes it on the same hardware: (a*a - b*b) + (a*b + b*a)i at the
 * baseline level, and with fused multiply-adds, fma(a, a, -(b*b)) +
 * fma(a, b, b*a)i, at the avx2, avx512 and neon levels (the two can differ
 * in the last bit and in overflow to inf/nan).  NDKERN_BOOL: 1 for any
 * nonzero byte, else 0, which are also the bytes of numpy.square's int8
 * result for bool input (NumPy has no bool square).  NDKERN_FLOAT16: the
 * float32 square (exact) rounded once to nearest even, bit for bit
 * numpy.square's, NaNs included (quiet, payload kept), at every level and
 * architecture (F16C / AVX-512F / NEON conversions or the same by bits).
 * `out` may be `x` with identical
 * strides (in place).  Any other overlap of `out` with `x` returns
 * NDKERN_EOVERLAP (copy `x` first).
 *
 * Errors: NDKERN_EINVAL (NULL pointer with elements, bad ndim or extent,
 * zero output stride), NDKERN_EDTYPE, NDKERN_EOVERLAP, NDKERN_EOVERFLOW.
 */
NDKERN_API int square_array(const void *x, const int64_t *x_strides,
                            void *out, const int64_t *out_strides,
                            int ndim, const int64_t *shape, int dtype);

/*
 * sum_array: sums `x` over its LAST `nreduce` axes, as numpy.sum.
 *
 *   x, x_strides, ndim, shape, dtype   the input array
 *   nreduce       0 <= nreduce <= ndim: how many trailing axes are summed
 *   out           one element of `out_dtype` per index of the first
 *                 ndim - nreduce axes (shape[0 .. ndim-nreduce-1])
 *   out_strides   byte strides of `out` (ndim - nreduce values); may be NULL
 *                 when nreduce == ndim (a single output element)
 *   out_dtype     the type of the result and of the accumulation, as
 *                 numpy.sum(x, dtype=out_dtype).  NumPy's default is int64
 *                 for signed and bool input, uint64 for unsigned and the
 *                 input's own type for floating (float16 too) and complex
 *                 input.  NDKERN_BOOL is not an out_dtype (NDKERN_EDTYPE:
 *                 numpy.sum(x, dtype=bool) is a logical OR, not a sum).
 *
 * Integer out_dtype: each element is converted as NumPy casts it (complex
 * to real drops the imaginary part; float to integer truncates toward zero,
 * and a value outside the integer range gives an unspecified value, never
 * undefined behaviour) and the sum wraps modulo 2^bits.
 * Floating out_dtype: each element's value is added as it is (integers
 * converted to double; a real out_dtype takes the real part of complex
 * input) in double precision, with 16 interleaved lanes over blocks and a
 * pairwise tree over blocks, and the total is rounded once to out_dtype:
 * the error is at most about (20 + log2 n) * 2^-53 * sum|x| along any axis
 * and any layout.  (numpy.sum(x, dtype=float32) of float64 x rounds every
 * element to float32 first; ndkern's result is the more accurate one.)
 * A bool element is 1 for any nonzero byte, else 0 (sums count the Trues).
 * float16 elements are summed in double like the others and a float16
 * out_dtype is the total rounded once to float16 (NumPy accumulates float16
 * in float32 lanes and can be one float16 ulp farther from the exact sum).
 * The result is bit-identical for any thread count and SIMD level.  An empty
 * reduction gives 0.  `out` must not overlap `x` (NDKERN_EOVERLAP).
 *
 * Errors: NDKERN_EINVAL, NDKERN_EDTYPE, NDKERN_EOVERLAP, NDKERN_ENOMEM,
 * NDKERN_EOVERFLOW.
 */
NDKERN_API int sum_array(const void *x, const int64_t *x_strides, int ndim,
                         const int64_t *shape, int dtype, int nreduce,
                         void *out, const int64_t *out_strides, int out_dtype);

/*
 * convolve2d: h = scipy.signal.convolve2d(f, g, mode, boundary, fillvalue).
 *
 *   f, f_shape, f_strides   first input (the image), 2-D
 *   g, g_shape, g_strides   second input (the kernel), 2-D, same dtype
 *   h, h_shape, h_strides   output, 2-D, same dtype; h_shape must be what the
 *                           mode implies (NDKERN_ESHAPE otherwise)
 *   dtype                   element type of f, g and h
 *   mode                    enum ndkern_mode
 *   boundary                enum ndkern_boundary
 *   fillvalue               one element of `dtype` used outside f with
 *                           NDKERN_BOUNDARY_FILL; NULL means zero
 *
 * h[m,n] = sum_{j,k} g[j,k] * F[m - j + o0, n - k + o1], where F is f
 * extended by `boundary` (any distance, periodically) and o = 0 (full),
 * (K-1)/2 rounded down (same) or K-1 (valid).  In valid mode the inputs are
 * swapped when g is the larger, as SciPy does; if neither input is at least
 * as large as the other in both dimensions the result is NDKERN_ESHAPE.
 * Integer results wrap modulo 2^bits and equal SciPy's bit for bit; floats
 * agree to rounding.  Separable (rank-1) real kernels big enough to gain
 * (kh*kw - kh - kw >= 11: 4x5, 3x7, 2x13 and larger) are detected from
 * their values and computed in two 1-D passes: integers stay exact, floats
 * differ from the direct sum by rounding only (float kernels must factor to
 * within 3 ulps of every entry, zeros exactly).  WRAP/SYMM with an empty
 * `f`, a non-empty kernel and a non-empty output is NDKERN_ESHAPE (there
 * is nothing to extend; SciPy crashes); with an empty kernel every output
 * is an empty sum, 0.
 * `h` must not overlap f or g.  NDKERN_BOOL and NDKERN_FLOAT16 are
 * NDKERN_EDTYPE here and in every convolution function, as
 * scipy.signal.convolve2d has no loop for them ("convolve2d not available
 * for this type"); convert to float32.
 *
 * Errors: NDKERN_EINVAL, NDKERN_EDTYPE, NDKERN_ESHAPE, NDKERN_EOVERLAP,
 * NDKERN_ENOMEM, NDKERN_EOVERFLOW.
 */
NDKERN_API int convolve2d(const void *f, const int64_t f_shape[2],
                          const int64_t f_strides[2],
                          const void *g, const int64_t g_shape[2],
                          const int64_t g_strides[2],
                          void *h, const int64_t h_shape[2],
                          const int64_t h_strides[2],
                          int dtype, int mode, int boundary,
                          const void *fillvalue);

/*
 * ndkern_correlate2d: h = scipy.signal.correlate2d(f, g, ...).  Arguments,
 * shapes and errors as convolve2d.  Complex kernels are conjugated; when the
 * valid-mode swap happens, the output is reversed in both axes, as SciPy.
 */
NDKERN_API int ndkern_correlate2d(const void *f, const int64_t f_shape[2],
                                  const int64_t f_strides[2],
                                  const void *g, const int64_t g_shape[2],
                                  const int64_t g_strides[2],
                                  void *h, const int64_t h_shape[2],
                                  const int64_t h_strides[2],
                                  int dtype, int mode, int boundary,
                                  const void *fillvalue);

/* How convolve2d-style functions compute (ndkern_convolve2d_method). */
enum ndkern_method {
    NDKERN_METHOD_DIRECT = 0,  /* the direct sum, exactly convolve2d            */
    NDKERN_METHOD_FFT = 1,     /* by fast Fourier transforms (float types only) */
    NDKERN_METHOD_AUTO = 2     /* the faster of the two by a cost model         */
};

/*
 * ndkern_convolve2d_method: convolve2d (correlate == 0) or
 * ndkern_correlate2d (correlate == 1) with a choice of method.  Arguments,
 * shapes, modes, boundaries and the other errors are those of convolve2d.
 *
 *   NDKERN_METHOD_DIRECT  exactly convolve2d / ndkern_correlate2d
 *   NDKERN_METHOD_FFT     the same sums by FFT, for FLOAT32, FLOAT64,
 *                         COMPLEX64 and COMPLEX128 (integer dtypes:
 *                         NDKERN_EDTYPE).  f extended by the boundary rule
 *                         (fill value included) is correlated with the
 *                         kernel through 5-smooth transforms of at least
 *                         (Mh + K0 - 1) x (Mw + K1 - 1), Mh x Mw the output,
 *                         computed in float for float32/complex64 and in
 *                         double for float64/complex128, twiddles rounded
 *                         from double.  The error is relative to the data's
 *                         scale, not to each output: for random normal data
 *                         max|h_fft - h| <= 1e-4 (float32) and 1e-12
 *                         (float64) times max|h|, but small outputs next to
 *                         large ones lose relative accuracy, and any inf or
 *                         NaN in f, g or the fill value can make every
 *                         output NaN.  Results are bit-identical for any
 *                         thread count and at every SIMD level.
 *   NDKERN_METHOD_AUTO    integer dtypes: DIRECT (exact).  Floats: FFT when
 *                         a cost model (measured per SIMD level) predicts
 *                         it is faster: ndkern_choose_conv_method's choice,
 *                         except that a kernel the direct method computes
 *                         in two passes (rank 1, see convolve2d) is costed
 *                         at kh + kw taps instead of kh * kw.
 *
 * Errors: those of convolve2d; NDKERN_EINVAL also for correlate not 0 or 1
 * or an unknown method; NDKERN_EDTYPE for NDKERN_METHOD_FFT on integers.
 */
NDKERN_API int ndkern_convolve2d_method(const void *f, const int64_t f_shape[2],
                                        const int64_t f_strides[2],
                                        const void *g, const int64_t g_shape[2],
                                        const int64_t g_strides[2],
                                        void *h, const int64_t h_shape[2],
                                        const int64_t h_strides[2],
                                        int dtype, int mode, int boundary,
                                        const void *fillvalue, int correlate,
                                        int method);

/*
 * ndkern_convolve2d_batched: ndkern_convolve2d_method over a stack of
 * images, broadcast like a NumPy generalized ufunc with core dimensions
 * (m,n),(k,l)->(p,q): every 2-D problem of the stack in one call.
 *
 *   f, f_ndim, f_shape, f_strides   the images: 2 <= f_ndim <= h_ndim; the
 *                                   last two axes are each image
 *   g, g_ndim, g_shape, g_strides   the kernels: 2 <= g_ndim <= h_ndim
 *   h, h_ndim, h_shape, h_strides   the output: 2 <= h_ndim <= NDKERN_MAX_NDIM
 *   dtype, mode, boundary, fillvalue, correlate, method
 *                                   as ndkern_convolve2d_method, for every
 *                                   image alike (one fill value)
 *
 * The leading h_ndim - 2 axes of h are the batch axes; the caller gives
 * h's batch shape, which is the broadcast shape of the inputs' batch axes
 * (numpy.broadcast_shapes, or larger where both inputs have extent 1, as
 * NumPy's out= allows).  Each input's batch axes are aligned with h's from
 * the right (missing leading axes count as extent 1); each must have h's
 * extent on that axis or extent 1, and an axis of extent 1 is read at index
 * 0 for every index of h.  A zero stride on an axis of full extent is also
 * broadcasting (any input stride is allowed; h's strides follow the usual
 * output rule).  The last two axes of f, g and h must satisfy convolve2d's
 * rules (h's core shape is what `mode` implies; valid mode swaps f and g
 * when g's core is the larger, for the whole stack).
 *
 * Image i of the stack is computed exactly as ndkern_convolve2d_method on
 * the 2-D views of f, g and h at batch index i: the result equals a loop
 * of 2-D calls bit for bit, for any thread count and for every method
 * (NDKERN_METHOD_AUTO decides per image as the 2-D call does; the FFT
 * method transforms each image's kernel again).  Small images run across
 * the stack on the worker threads; large ones one after the other, each
 * threaded as a 2-D call.  h_ndim == 2 is one 2-D call.
 *
 * Errors: those of ndkern_convolve2d_method, all detected before anything is
 * written, for the whole arrays (h must not overlap f or g anywhere in the
 * stack); NDKERN_EINVAL also for an ndim out of range; NDKERN_ESHAPE for
 * f_ndim or g_ndim > h_ndim or a batch extent that is neither h's nor 1.
 * The one exception to "outputs untouched": NDKERN_ENOMEM when a temporary
 * buffer of one image cannot be allocated once the stack has started, which
 * can leave the images computed before it written.
 */
NDKERN_API int ndkern_convolve2d_batched(const void *f, int f_ndim, const int64_t *f_shape,
                                         const int64_t *f_strides,
                                         const void *g, int g_ndim, const int64_t *g_shape,
                                         const int64_t *g_strides,
                                         void *h, int h_ndim, const int64_t *h_shape,
                                         const int64_t *h_strides,
                                         int dtype, int mode, int boundary,
                                         const void *fillvalue, int correlate, int method);

/*
 * ndkern_choose_conv_method: the method NDKERN_METHOD_AUTO picks for a
 * general (not rank-1) kernel of shape g_shape and an image of shape
 * f_shape: NDKERN_METHOD_DIRECT or NDKERN_METHOD_FFT (never FFT for integer
 * dtypes or empty outputs), as scipy.signal.choose_conv_method.
 *
 * Errors: NDKERN_EDTYPE, NDKERN_EINVAL (NULL shape, negative extent, bad
 * mode), NDKERN_ESHAPE (valid mode, neither input contains the other).
 */
NDKERN_API int ndkern_choose_conv_method(const int64_t f_shape[2], const int64_t g_shape[2],
                                         int dtype, int mode);

/* A static English description of `code`; never NULL (unknown codes get a
 * generic text). */
NDKERN_API const char *ndkern_strerror(int code);

/* The name of `code`'s enum constant, e.g. "NDKERN_EINVAL" for -1 (static
 * storage); "NDKERN_UNKNOWN" for a value that is not a code, never NULL. */
NDKERN_API const char *ndkern_status_name(int code);

/* The library version as "MAJOR.MINOR.PATCH" (static storage). */
NDKERN_API const char *ndkern_version(void);

/* Size in bytes of one element of `dtype`, or NDKERN_EDTYPE. */
NDKERN_API int ndkern_dtype_size(int dtype);

/* IEEE floating-point exceptions, as ndkern_fp_exceptions reports them.
 * The values are part of the ABI (they are NumPy's NPY_FPE_* bits). */
enum ndkern_fp_exception {
    NDKERN_FP_DIVBYZERO = 1,   /* a finite value divided by zero           */
    NDKERN_FP_OVERFLOW = 2,    /* a finite result rounded to +-inf         */
    NDKERN_FP_UNDERFLOW = 4,   /* a tiny result lost precision (or became 0) */
    NDKERN_FP_INVALID = 8      /* no meaningful result: inf - inf, 0 * inf  */
};

/*
 * ndkern_fp_exceptions: the IEEE exceptions the computation of the last
 * square_array or sum_array call made on the calling thread raised, as an
 * OR of enum ndkern_fp_exception bits; 0 before any such call.  Never
 * fails.  This is the library's only per-thread state.
 *
 * Only floating arithmetic reports: square_array of a float or complex
 * dtype, sum_array with a float or complex out_dtype.  Integer results, and
 * calls that return an error, report 0.  The flags are those of the whole
 * computation, OR-ed over every worker thread, so they are the same for
 * any thread count; at every SIMD level they are those of the operations
 * the result is defined by (vector lanes past the data raise nothing).
 *
 *  - square_array: overflow (|x| > sqrt(max)), underflow (0 < |x| <
 *    sqrt(min normal), inexact), invalid (complex inf - inf, a signalling
 *    NaN).  Quiet NaN inputs raise nothing, as in NumPy.  No division, so
 *    never divide-by-zero.
 *  - sum_array: invalid for inf + -inf (or a signalling NaN), overflow when
 *    a partial sum in double or the final rounding to out_dtype overflows
 *    (a float32 or complex64 sum is accumulated in double, so it overflows
 *    only when its total rounds to inf), underflow only when the final
 *    rounding to float32 is tiny and inexact.  Never divide-by-zero.
 *    ndkern's summation order is not NumPy's: where NumPy's pairwise
 *    float32 (or float64) partial sums overflow and ndkern's do not (e.g.
 *    float32 {3e38, 3e38, -3e38}: NumPy inf, ndkern 3e38), ndkern reports
 *    no overflow, and the other way round when NumPy's order is the lucky
 *    one.  A float-to-integer sum (NumPy: "invalid value" for NaN, inf or
 *    an out-of-range element) reports nothing.
 *  - convolve2d and the other functions do not change the value (as
 *    scipy.signal, which reports no floating-point errors).
 *
 * square_array and sum_array leave the caller's own invalid,
 * divide-by-zero, overflow and underflow flags (fetestexcept) as they were
 * on entry, set or clear: they save and clear them, compute and restore
 * them.  Inexact may be raised, as by any floating arithmetic.  The
 * convolutions raise flags in the caller's environment as plain C
 * arithmetic does.  Cost: a few reads of the flags per call; a write only
 * when the caller has one of the four flags set or the call raised one.
 */
NDKERN_API int ndkern_fp_exceptions(void);

/*
 * Threads used by one call for large inputs.  n >= 1 sets the count; n == 0
 * restores the default (the environment variable NDKERN_NUM_THREADS if set,
 * else the number of online CPUs).  Small inputs always run on the calling
 * thread.  Returns NDKERN_OK or NDKERN_EINVAL (n < 0 or n > 1024).
 * The setting is process-wide and safe to change from any thread.
 *
 * Threaded calls run on the calling thread plus up to n - 1 pool workers,
 * started by the first such call and kept for later ones; lowering n ends
 * the surplus.  One call at a time uses the pool: a call made while another
 * thread's call has it runs alone on its own thread, so concurrent callers
 * never wait for each other and never add threads beyond the pool.  Workers
 * block all signals and are never joined: process exit does not wait for
 * them, and dlclose leaves the library loaded (it is linked -z nodelete
 * where the linker has it).  After fork() the child starts its own workers.
 */
NDKERN_API int ndkern_set_num_threads(int n);

/* The thread count calls will use (>= 1). */
NDKERN_API int ndkern_get_num_threads(void);

/*
 * The instruction-set level of the kernels in use: "baseline", "avx2"
 * (AVX2 + FMA + F16C) or "avx512" (AVX-512F + AVX2 + FMA + F16C) on x86-64, "baseline" or
 * "neon" (NEON, which every aarch64 CPU has) on aarch64, as static storage.  It
 * is chosen once, on first use: the best level the CPU and operating system
 * run, capped by the environment variable NDKERN_SIMD (read then) when it
 * names one of those levels exactly: NDKERN_SIMD=avx2 on an AVX-512 machine
 * gives avx2, NDKERN_SIMD=baseline gives baseline.  Any other value caps
 * nothing and is not an error: an unknown or empty name (NDKERN_SIMD=AVX2,
 * NDKERN_SIMD=sse4) as well as a level this machine does not run
 * (NDKERN_SIMD=avx512 on an AVX2 machine gives avx2, NDKERN_SIMD=avx2 on a
 * machine without AVX2 baseline); compare this function's result with the
 * value set to see that it was not honoured.  Sums and integer results are
 * bit-identical at every level; float convolutions are bit-identical
 * between avx2, avx512 and neon, and between the baseline levels of x86-64
 * and aarch64.
 */
NDKERN_API const char *ndkern_simd_level(void);

/* NDKERN_CDEF_END */

#ifdef __cplusplus
}
#endif

#endif /* NDKERN_H */
