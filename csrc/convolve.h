/* convolve.h -- the steps of a 2-D convolution, shared by the entry points
 * of convolve.c and the methods that compute h (direct in convolve.c).
 * Nothing here is exported.
 *
 * A call runs four steps (convolve.c, "The steps"):
 *   1. validate: codes, arrays, which input plays the image, h's shape
 *      (struct ndk_conv_request);
 *   2. geometry: the image, kernel and output views and the origin of the
 *      padded image P (struct ndk_conv_plan);
 *   3. limits and types: sizes the buffers can hold, the compute type, the
 *      fill value in it;
 *   4. execute: writes h from the plan, reading the padded image P row by
 *      row (struct ndk_conv_padded) and storing with ndk_conv_store_row.
 * Another entry point (a stack of images: steps 2-4 per image) or method
 * (FFT: another step 4) reuses the steps it needs; the plan says
 * everything about one 2-D problem. */
#ifndef NDKERN_CONVOLVE_H
#define NDKERN_CONVOLVE_H

#include "internal.h"


/* Whether the convolutions compute `dtype`: one of NDK_FOR_EACH_CONV_DTYPE
 * (bool and float16 are NDKERN_EDTYPE, as scipy.signal.convolve2d refuses
 * them). */
int ndk_conv_dtype_valid(int dtype);

/* Threads for `outputs` output elements of `taps` multiply-adds each by the
 * direct method, by their estimated cost (pool.c's ndk_threads_for_cost):
 * two flops per multiply-add (eight for complex types), and each output
 * element, `element_bytes` wide, read (as padded input) and written once.
 * Counts that overflow saturate. */
int ndk_conv_direct_threads(int64_t outputs, int64_t taps, int is_complex,
                            int64_t element_bytes);

/* Bytes of the largest element of any compute type: complex128 (two f64). */
#define NDK_CONV_MAX_ELEMENT_BYTES 16

/* One call as asked for, after step 1. */
struct ndk_conv_request {
    int dtype;               /* NDKERN_<type> of f, g and h */
    int mode;                /* NDKERN_MODE_* */
    int boundary;            /* NDKERN_BOUNDARY_* */
    int correlate;           /* 1: correlation, 0: convolution */
    const void *fillvalue;   /* one dtype element for the fill, or NULL (zero) */
    int swapped;             /* valid mode: g is the larger input, so it plays the image */
    struct ndk_array image;  /* f, or g when swapped */
    struct ndk_array kernel; /* g, or f when swapped */
    struct ndk_array out;    /* h */
};

/* A 2-D strided view; strides in bytes, possibly negative. */
struct ndk_conv_view {
    char *data;              /* element [0][0] */
    int64_t rows, cols;      /* extents */
    int64_t row_stride;      /* bytes from [i][j] to [i + 1][j] */
    int64_t col_stride;      /* bytes from [i][j] to [i][j + 1] */
};

/* One 2-D problem, method-independent (steps 2 and 3):
 *   h[m][n] = sum_{a < kernel.rows, b < kernel.cols} W[a][b] * P(m + a)[n + b]
 * where P(t) is image row t + origin_row extended by the boundary rule,
 * starting at image column origin_col. */
struct ndk_conv_plan {
    const struct ndk_kernels *kernels; /* the kernel table of this machine */
    int dtype;                   /* NDKERN_<type> of image, kernel and out */
    int boundary;                /* NDKERN_BOUNDARY_*: how P extends the image */
    int is_complex;              /* dtype is complex64 or complex128 */
    int conjugate;               /* correlation: the weights are conj(W) */
    struct ndk_conv_view image;  /* the image (f, or g when valid mode swaps them) */
    struct ndk_conv_view kernel; /* W in the input dtype: g read backwards in both
                                    axes (convolution) or g itself (correlation) */
    struct ndk_conv_view out;    /* h; read backwards when SciPy reverses a
                                    swapped correlation */
    int64_t origin_row;          /* image row of P(0) */
    int64_t origin_col;          /* image column of P(t)[0] */
    int compute_type;            /* enum ndk_conv_type the sums run in (step 3) */
    int64_t scalar_bytes;        /* bytes per compute-type scalar (step 3) */
    int64_t scalars_per_element; /* compute scalars per element: 2 complex, else 1 */
    unsigned char fill[NDK_CONV_MAX_ELEMENT_BYTES]; /* the fill value as one
                                    compute-type element; zero without one (step 3) */
};

/* Step 1, for one shape pair: h's shape under `mode` and whether valid mode
 * swaps the inputs (SciPy: the larger plays the image).  NDKERN_ESHAPE when
 * valid mode finds neither input containing the other. */
int ndk_conv_output_shape(int mode, const int64_t f_shape[2], const int64_t g_shape[2],
                          int64_t h_shape[2], int *swapped);

/* Step 2: fills the views, origin and flags of `p` from a validated request
 * whose output is not empty.  It reads dtype, mode, boundary, correlate,
 * swapped and the arrays' data, shape, strides and count, so an entry point
 * over a stack can describe each image's three 2-D arrays and call steps
 * 2-4 per image. */
void ndk_conv_geometry(struct ndk_conv_plan *p, const struct ndk_conv_request *req);

/* Step 3: NDKERN_ENOMEM when the buffers of the problem cannot exist;
 * otherwise sets the compute type (integers: from the values of the image,
 * the kernel and fillvalue) and the fill element. */
int ndk_conv_choose_types(struct ndk_conv_plan *p, const void *fillvalue);

/* Step 4: writes h from a plan of steps 2 and 3 (an empty kernel sums no
 * terms: zeros).  NDKERN_OK, or NDKERN_ENOMEM with h untouched. */
int ndk_conv_execute(const struct ndk_conv_plan *p);

/* Step 4 by `method` (enum ndkern_method), as ndkern_convolve2d_method:
 * integers and empty kernels are always direct (the entry points refuse
 * NDKERN_METHOD_FFT on integers before); NDKERN_METHOD_AUTO asks the cost
 * model.  NDKERN_OK, or NDKERN_ENOMEM with h untouched. */
int ndk_conv_execute_method(const struct ndk_conv_plan *p, int method);

/* The padded image P of a plan, row by row, as a method reads it (step 4). */
struct ndk_conv_padded {
    const struct ndk_conv_plan *p; /* the problem */
    int64_t row_len;               /* compute scalars per row of P, NDK_CONV_ROW_SLACK
                                      zero scalars included */
    void *fill_row;                /* a row of fill values for the rows of P outside
                                      the image (boundary fill), or NULL */
};

/* Sets up pad for p (boundary fill: the fill row when P leaves the image).
 * NDKERN_OK or NDKERN_ENOMEM; ndk_conv_padded_free releases it either way. */
int ndk_conv_padded_init(struct ndk_conv_padded *pad, const struct ndk_conv_plan *p);
void ndk_conv_padded_free(struct ndk_conv_padded *pad);

/* Row t of P (0 <= t < out.rows + kernel.rows - 1): built in dst (row_len
 * compute scalars) and returned, or the shared fill row returned. */
const void *ndk_conv_padded_row(const struct ndk_conv_padded *pad, int64_t t, char *dst);

/* Writes n accumulator elements (compute type; complex: a = sum w_re * P,
 * b = sum w_im * P, interleaved) as elements of p->dtype, dst_stride bytes
 * apart. */
void ndk_conv_store_row(const struct ndk_conv_plan *p, const void *a, const void *b,
                        int64_t n, char *dst, int64_t dst_stride);

#endif /* NDKERN_CONVOLVE_H */
