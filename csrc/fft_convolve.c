/* fft_convolve.c -- the valid correlation of a padded image with weights by
 * FFT (ndk_fft_correlate in fft.h), the core of convolve2d's FFT method.
 *
 * With transform sizes n0 >= ph and n1 >= pw, the circular correlation of P
 * with W equals the linear one at every output (m + a < ph <= n0), so
 *   h = IDFT2(DFT2(P) * DFT2(W~)) / (n0 n1),   W~[-a][-b] = W[a][b] (mod n).
 * The 2-D transforms are batches of 1-D ones (fft.h), in five passes that
 * each split into independent tasks of `lanes` rows or columns:
 *   1. kernel rows -> spectrum rows          2. kernel columns (kept, scaled)
 *   3. image rows  -> spectrum rows          4. image columns, times the
 *   5. spectrum rows -> output rows             kernel's, and back
 * Real data uses real row transforms (n1 even, m1 = n1/2 + 1 spectrum
 * columns); complex data full ones (m1 = n1).  Tasks are fixed blocks and
 * each lane's arithmetic is independent of the others, so results do not
 * depend on the thread count or the SIMD level. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "fft.h"

/* Bytes of one lane group: transforms batched per task (16 double or 32
 * float lanes: two AVX-512 vectors per inner step). */
#define FFT_BATCH_BYTES 128
/* The cost model of ndk_fft_correlate_cost: nanoseconds per complex
 * point-pass of a transform and per complex value moved (measured with
 * one thread; see choose_fft in convolve.c). */
#define FFT_NS_F32 1.0
#define FFT_NS_F64 1.0
#define FFT_NS_MOVE_F32 1.0
#define FFT_NS_MOVE_F64 1.0
/* Transform points per thread before a second thread pays. */
#define FFT_POINTS_PER_THREAD (INT64_C(1) << 15)

/* Per-worker scratch: three pairs of planes and one row. */
struct fft_space {
    void *a_re, *a_im, *b_re, *b_im, *c_re, *c_im;
    void *row;
};

struct fft2d {
    const struct ndk_fft_conv *conv;
    int64_t n0, n1, m1;             /* transform sizes; spectrum columns */
    int64_t lanes;                  /* transforms per batch */
    double scale;                   /* 1 / the inverse transforms' lengths */
    struct ndk_fft_plan col_plan;   /* length n0 */
    struct ndk_fft_plan row_plan;   /* complex data: length n1 */
    struct ndk_rfft_plan rrow_plan; /* real data: length n1 */
    void *spec_re, *spec_im;        /* the image's spectrum, n0 x m1 */
    void *kspec_re, *kspec_im;      /* the kernel's */
    struct fft_space *spaces;       /* one per worker */
    int nspaces;
};

#define T float
#define FFT_NAME(x) x##_f32
#include "fft_convolve.inc"
#undef T
#undef FFT_NAME
#define T double
#define FFT_NAME(x) x##_f64
#include "fft_convolve.inc"
#undef T
#undef FFT_NAME

/* The five passes as tasks for ndk_parallel_for. */
enum fft_pass { PASS_KERNEL_ROWS, PASS_KERNEL_COLUMNS, PASS_IMAGE_ROWS, PASS_IMAGE_COLUMNS,
                PASS_OUTPUT_ROWS };
struct fft_job {
    const struct fft2d *s;
    enum fft_pass pass;
};

static void fft_task(void *ctx, int64_t task, int worker)
{
    const struct fft_job *job = ctx;
    const struct fft2d *s = job->s;
    struct fft_space *w = &s->spaces[worker];
    const int f32 = s->conv->is_f32;
    switch (job->pass) {
    case PASS_KERNEL_ROWS:
    case PASS_IMAGE_ROWS: {
        const int kernel = job->pass == PASS_KERNEL_ROWS;
        if (f32)
            rows_task_f32(s, kernel, task, w);
        else
            rows_task_f64(s, kernel, task, w);
        break;
    }
    case PASS_KERNEL_COLUMNS:
    case PASS_IMAGE_COLUMNS: {
        const int kernel = job->pass == PASS_KERNEL_COLUMNS;
        if (f32)
            columns_task_f32(s, kernel, task, w);
        else
            columns_task_f64(s, kernel, task, w);
        break;
    }
    case PASS_OUTPUT_ROWS:
        if (f32)
            output_task_f32(s, task, w);
        else
            output_task_f64(s, task, w);
        break;
    }
}

static void free_fft2d(struct fft2d *s)
{
    ndk_fft_plan_free(&s->col_plan);
    ndk_fft_plan_free(&s->row_plan);
    ndk_rfft_plan_free(&s->rrow_plan);
    free(s->spec_re);
    free(s->spec_im);
    free(s->kspec_re);
    free(s->kspec_im);
    for (int i = 0; s->spaces != NULL && i < s->nspaces; i++) {
        struct fft_space *w = &s->spaces[i];
        free(w->a_re);
        free(w->a_im);
        free(w->b_re);
        free(w->b_im);
        free(w->c_re);
        free(w->c_im);
        free(w->row);
    }
    free(s->spaces);
}

/* Transform sizes and plans. */
static int plan_sizes(struct fft2d *s, const struct ndk_fft_conv *c)
{
    const size_t scalar = c->is_f32 ? sizeof(float) : sizeof(double);
    s->conv = c;
    s->lanes = FFT_BATCH_BYTES / (int64_t)scalar;
    s->n0 = ndk_fft_good_length(c->ph, 0);
    s->n1 = ndk_fft_good_length(c->pw, !c->is_complex);
    if (s->n0 == 0 || s->n1 == 0)
        return NDKERN_ENOMEM;
    s->m1 = c->is_complex ? s->n1 : s->n1 / 2 + 1;
    s->scale = 1.0 / ((double)s->n0 * (double)(c->is_complex ? s->n1 : s->n1 / 2));
    int rc = ndk_fft_plan_init(&s->col_plan, s->n0, c->is_f32);
    if (rc == NDKERN_OK)
        rc = c->is_complex ? ndk_fft_plan_init(&s->row_plan, s->n1, c->is_f32)
                           : ndk_rfft_plan_init(&s->rrow_plan, s->n1, c->is_f32);
    return rc;
}

/* The spectra and every worker's scratch, all before any output row. */
static int allocate(struct fft2d *s, int nthreads)
{
    const struct ndk_fft_conv *c = s->conv;
    const size_t scalar = c->is_f32 ? sizeof(float) : sizeof(double);
    int64_t cells, plane;
    const int64_t longest = s->n0 > s->n1 + 1 ? s->n0 : s->n1 + 1;
    if (__builtin_mul_overflow(s->n0, s->m1, &cells) ||
        __builtin_mul_overflow(longest, s->lanes, &plane) ||
        cells > (INT64_C(1) << 44) / (int64_t)scalar)
        return NDKERN_ENOMEM;
    s->spec_re = calloc((size_t)cells, scalar);
    s->spec_im = calloc((size_t)cells, scalar);
    s->kspec_re = calloc((size_t)cells, scalar);
    s->kspec_im = calloc((size_t)cells, scalar);
    s->spaces = calloc((size_t)nthreads, sizeof *s->spaces);
    int ok = s->spec_re && s->spec_im && s->kspec_re && s->kspec_im && s->spaces;
    s->nspaces = ok ? nthreads : 0;
    for (int i = 0; ok && i < nthreads; i++) {
        struct fft_space *w = &s->spaces[i];
        void **planes[6] = {&w->a_re, &w->a_im, &w->b_re, &w->b_im, &w->c_re, &w->c_im};
        for (int j = 0; j < 6; j++) {
            *planes[j] = malloc((size_t)plane * scalar);
            ok = ok && *planes[j] != NULL;
        }
        w->row = malloc((size_t)(c->row_capacity > 2 * c->pw ? c->row_capacity : 2 * c->pw) *
                        scalar);
        ok = ok && w->row != NULL;
    }
    return ok ? NDKERN_OK : NDKERN_ENOMEM;
}

static void run_pass(const struct fft2d *s, int nthreads, enum fft_pass pass, int64_t items)
{
    struct fft_job job = {s, pass};
    ndk_parallel_for(nthreads, (items + s->lanes - 1) / s->lanes, fft_task, &job);
}

int ndk_fft_correlate(const struct ndk_fft_conv *conv)
{
    struct fft2d s;
    memset(&s, 0, sizeof s);
    int64_t points = 0;
    int rc = plan_sizes(&s, conv);
    if (rc == NDKERN_OK && __builtin_mul_overflow(s.n0, s.n1, &points))
        rc = NDKERN_ENOMEM;
    const int nthreads = ndk_threads_for(points, FFT_POINTS_PER_THREAD);
    if (rc == NDKERN_OK)
        rc = allocate(&s, nthreads);
    if (rc == NDKERN_OK) {
        run_pass(&s, nthreads, PASS_KERNEL_ROWS, conv->kh);
        run_pass(&s, nthreads, PASS_KERNEL_COLUMNS, s.m1);
        run_pass(&s, nthreads, PASS_IMAGE_ROWS, conv->ph);
        run_pass(&s, nthreads, PASS_IMAGE_COLUMNS, s.m1);
        run_pass(&s, nthreads, PASS_OUTPUT_ROWS, conv->ph - conv->kh + 1);
    }
    free_fft2d(&s);
    return rc;
}

double ndk_fft_correlate_cost(int64_t ph, int64_t pw, int is_f32, int is_complex)
{
    const double n0 = (double)ndk_fft_good_length(ph, 0);
    const double n1 = (double)ndk_fft_good_length(pw, !is_complex);
    const double m1 = is_complex ? n1 : n1 / 2 + 1;
    const double row_points = (is_complex ? n1 : n1 / 2) * log2(n1 > 2 ? n1 : 2);
    const double col_points = n0 * log2(n0 > 2 ? n0 : 2);
    /* rows: kernel (kh), image (ph) and output (ph - kh + 1); columns:
     * kernel once, image twice */
    const double butterflies = (double)(2 * ph + 1) * row_points + 3 * m1 * col_points;
    const double moves = 6 * n0 * m1;
    return is_f32 ? FFT_NS_F32 * butterflies + FFT_NS_MOVE_F32 * moves
                  : FFT_NS_F64 * butterflies + FFT_NS_MOVE_F64 * moves;
}
