/* fft_convolve.c -- the valid correlation of a padded image with weights by
 * FFT (ndk_fft_correlate in fft.h), the core of convolve2d's FFT method.
 *
 * With transform sizes n0 >= ph and n1 >= pw, the circular correlation of P
 * with W equals the linear one at every output (m + a < ph <= n0), so
 *   h = IDFT2(DFT2(P) * DFT2(W~)) / (n0 n1),   W~[-a][-b] = W[a][b] (mod n).
 * A tall image is cut into strips of output rows (overlap-save: each strip
 * reads its rows plus the kh - 1 below), so n0 stays a few hundred and the
 * buffers are reused from strip to strip instead of spanning the image: the
 * kernel's column spectra are computed once for all strips.  The strip
 * height depends only on the shapes, never on the thread count.
 * The 2-D transforms are batches of 1-D ones (fft.h) in four passes per
 * strip, each split into independent tasks of `lanes` rows or columns.  One
 * set of column blocks (m0 rows of `lanes` columns each) holds the data
 * from pass 1 to pass 4, so each call touches little fresh memory:
 *   1. image rows, copied into the column blocks ([t][lane] planes)
 *   2. image columns (and once, the kernel's): forward transforms down the
 *      columns, the spectrum replacing the block (real data: real
 *      transforms, n0 even, m0 = n0/2 + 1 spectrum rows)
 *   3. spectrum rows: forward along the rows, times the kernel's, inverse,
 *      written back (LANES x LANES tiles of the blocks transposed in cache);
 *      a wide image in tiles of columns (overlap-save along the rows, the
 *      same rule as the strips), so the row transforms stay cache-sized:
 *      the column spectra are shared by the tiles, only the row transforms
 *      of the kw - 1 columns a tile re-reads are repeated
 *   4. output columns: inverse down the columns (in the blocks), stored as
 *      row segments
 * Columns first means only pass 3 transposes (image rows arrive as rows and
 * a column block is a run of each row), only the pw image, kw kernel and
 * hw output columns are transformed down, and the kernel's spectrum is
 * finished inside pass 3 instead of being stored.  Tasks are fixed blocks
 * and each lane's arithmetic is independent of the others, so results do
 * not depend on the thread count or the SIMD level. */
#include <math.h>
#include <stdlib.h>

#include "convolve.h"
#include "fft.h"

/* Bytes of one lane group: transforms batched per task (16 double or 32
 * float lanes: two AVX-512 vectors per inner step). */
#define FFT_BATCH_BYTES 128
/* The cost model of ndk_fft_correlate_cost: nanoseconds per complex point
 * times log2 of the transform length, copies and transposes included
 * (median of one-thread timings, 256^2 ... 2000^2 images, K = 15 ... 127,
 * `same`, each within 0.8x ... 1.3x of it; Intel Xeon, 2026-12-02, after
 * the column tiles, in-place column blocks and fused passes).  The FFT code is the same
 * at every SIMD level. */
#define FFT_NS_F32 0.27
#define FFT_NS_F64 0.50
/* Strips: transforms down the columns of at least this many rows, and at
 * least this many times kh - 1 (the rows each strip re-reads); 512 to 2048
 * measured alike on 1000^2 ... 4000^2 images, K = 63 and 127, one thread
 * (Intel Xeon, AVX-512, 2026-12; 4000^2 x 63^2 float32: 390 ms in one
 * strip, 275-300 ms in strips). */
#define FFT_STRIP_MIN_LENGTH 1024
#define FFT_STRIP_KERNEL_FACTOR 4

/* Per-worker scratch: three pairs of planes and one row. */
struct fft_space {
    void *a_re, *a_im, *b_re, *b_im, *c_re, *c_im;
    void *row;
};

struct fft2d {
    const struct ndk_fft_conv *conv;
    int64_t strip_rows;             /* output rows per strip (the last may have fewer) */
    int64_t row0;                   /* the current strip's first output (and P) row */
    int64_t strip_ph;               /* its rows of P: output rows + kh - 1 */
    int64_t tile_cols;              /* output columns per tile of pass 3 (the last may
                                       have fewer) */
    int64_t n0, n1;                 /* transform sizes: down a strip, along a tile */
    int64_t h0;                     /* rows of a column batch: n0/2 (real) or n0 */
    int64_t m0;                     /* spectrum rows: n0/2 + 1 (real) or n0 */
    int64_t lanes;                  /* transforms per batch */
    double scale;                   /* 1 / the inverse transforms' lengths */
    struct ndk_fft_plan col_plan;   /* complex data: length n0 */
    struct ndk_rfft_plan rcol_plan; /* real data: length n0 */
    struct ndk_fft_plan row_plan;   /* length n1 */
    void *blocks_re, *blocks_im;    /* ceil(pw / lanes) column blocks of m0 x lanes: pass 1
                                       writes h0 rows of image, pass 2 replaces them by
                                       their spectrum (m0 rows), pass 3 by its result */
    void *kspec_re, *kspec_im;      /* the kernel's column spectra, m0 x kspec_stride */
    int64_t kspec_stride;           /* kw rounded up to lanes */
    void *krows_re, *krows_im;      /* several strips: the kernel's spectrum, pass 3's
                                       tasks' n1 x lanes blocks one after another */
    struct fft_space *spaces;       /* one per worker */
    int nspaces;
};

#define FFT_TEMPLATE "fft_convolve.inc"
#include "fft_instantiate.inc"

/* The passes as tasks for ndk_parallel_for: one task function per pass
 * and precision (fft_convolve.inc). */
enum fft_pass { PASS_IMAGE_ROWS, PASS_IMAGE_COLUMNS, PASS_KERNEL_COLUMNS, PASS_KERNEL_ROWS,
                PASS_MIDDLE, PASS_OUTPUT, FFT_NPASSES };
typedef void (*fft_task_fn)(const struct fft2d *s, int64_t task, struct fft_space *w);
#define FFT_TASKS(sfx)                                                                    \
    {image_rows_task_##sfx, image_columns_task_##sfx, kernel_columns_task_##sfx,         \
     kernel_rows_task_##sfx, middle_task_##sfx, output_task_##sfx}
static const fft_task_fn fft_tasks[2][FFT_NPASSES] = {FFT_TASKS(f64), FFT_TASKS(f32)};
#undef FFT_TASKS

struct fft_job {
    const struct fft2d *s;
    fft_task_fn fn;
};

static void fft_task(void *ctx, int64_t task, int worker)
{
    const struct fft_job *job = ctx;
    job->fn(job->s, task, &job->s->spaces[worker]);
}

static void free_fft2d(struct fft2d *s)
{
    ndk_fft_plan_free(&s->col_plan);
    ndk_rfft_plan_free(&s->rcol_plan);
    ndk_fft_plan_free(&s->row_plan);
    void *buffers[6] = {s->blocks_re, s->blocks_im, s->kspec_re, s->kspec_im, s->krows_re,
                        s->krows_im};
    for (int i = 0; i < 6; i++)
        free(buffers[i]);
    for (int i = 0; s->spaces != NULL && i < s->nspaces; i++) {
        struct fft_space *w = &s->spaces[i];
        void *planes[7] = {w->a_re, w->a_im, w->b_re, w->b_im, w->c_re, w->c_im, w->row};
        for (int j = 0; j < 7; j++)
            free(planes[j]);
    }
    free(s->spaces);
}

static int64_t round_up(int64_t n, int64_t step)
{
    return (n + step - 1) / step * step;
}

/* Output columns per tile of pass 3: the strips' rule, rounded up to whole
 * column blocks (lanes) when there are several tiles. */
static int64_t tile_columns(int64_t pw, int64_t kw, int64_t lanes)
{
    const int64_t hw = pw - kw + 1, cols = round_up(ndk_fft_strip_rows(pw, kw, 1), lanes);
    return cols < hw ? cols : hw;
}

/* Transform sizes and plans. */
static int plan_sizes(struct fft2d *s, const struct ndk_fft_conv *c)
{
    const size_t scalar = c->is_f32 ? sizeof(float) : sizeof(double);
    s->conv = c;
    s->lanes = FFT_BATCH_BYTES / (int64_t)scalar;
    s->strip_rows = ndk_fft_strip_rows(c->ph, c->kh, c->is_complex);
    s->n0 = ndk_fft_good_length(s->strip_rows + c->kh - 1, !c->is_complex);
    s->tile_cols = tile_columns(c->pw, c->kw, s->lanes);
    s->n1 = ndk_fft_good_length(s->tile_cols + c->kw - 1, 0);
    if (s->n0 == 0 || s->n1 == 0)
        return NDKERN_ENOMEM;
    s->h0 = c->is_complex ? s->n0 : s->n0 / 2;
    s->m0 = c->is_complex ? s->n0 : s->n0 / 2 + 1;
    s->kspec_stride = round_up(c->kw, s->lanes);
    s->scale = 1.0 / ((double)s->h0 * (double)s->n1);
    int rc = c->is_complex ? ndk_fft_plan_init(&s->col_plan, s->n0, c->is_f32)
                           : ndk_rfft_plan_init(&s->rcol_plan, s->n0, c->is_f32);
    if (rc == NDKERN_OK)
        rc = ndk_fft_plan_init(&s->row_plan, s->n1, c->is_f32);
    return rc;
}

/* Each worker's scratch. */
static int allocate_spaces(struct fft2d *s, int nthreads)
{
    const struct ndk_fft_conv *c = s->conv;
    const size_t scalar = c->is_f32 ? sizeof(float) : sizeof(double);
    /* pass 3 gathers whole column blocks: up to lanes - 1 rows past n1 */
    const int64_t longest = (s->n0 > s->n1 ? s->n0 : s->n1) + s->lanes;
    const int64_t row = c->row_capacity > 2 * (c->pw + s->lanes) ? c->row_capacity
                                                                  : 2 * (c->pw + s->lanes);
    s->spaces = calloc((size_t)nthreads, sizeof *s->spaces);
    if (s->spaces == NULL)
        return NDKERN_ENOMEM;
    s->nspaces = nthreads;
    int ok = 1;
    for (int i = 0; i < nthreads; i++) {
        struct fft_space *w = &s->spaces[i];
        void **planes[6] = {&w->a_re, &w->a_im, &w->b_re, &w->b_im, &w->c_re, &w->c_im};
        for (int j = 0; j < 6; j++) {
            *planes[j] = malloc((size_t)(longest * s->lanes) * scalar);
            ok = ok && *planes[j] != NULL;
        }
        w->row = malloc((size_t)row * scalar);
        ok = ok && w->row != NULL;
    }
    return ok ? NDKERN_OK : NDKERN_ENOMEM;
}

/* Zeros in the lanes past pw of the last column block: pass 1 writes only
 * the first pw, and pass 2 transforms all lanes (uninitialised ones might
 * hold NaNs and raise flags, although their spectra are never read). */
static void zero_padding_lanes(const struct fft2d *s)
{
    const struct ndk_fft_conv *c = s->conv;
    const size_t scalar = c->is_f32 ? sizeof(float) : sizeof(double);
    const int64_t used = c->pw % s->lanes, last = c->pw / s->lanes * s->m0 * s->lanes;
    for (int64_t t = 0; used > 0 && t < s->h0; t++) {
        const size_t at = (size_t)(last + t * s->lanes + used) * scalar;
        memset((char *)s->blocks_re + at, 0, (size_t)(s->lanes - used) * scalar);
        memset((char *)s->blocks_im + at, 0, (size_t)(s->lanes - used) * scalar);
    }
}

/* The column blocks, the spectra and every worker's scratch, all before
 * any output is stored. */
static int allocate(struct fft2d *s, int nthreads)
{
    const struct ndk_fft_conv *c = s->conv;
    const size_t scalar = c->is_f32 ? sizeof(float) : sizeof(double);
    int64_t blocks, kspec;
    const int64_t limit = (INT64_C(1) << 44) / (int64_t)scalar;
    if (__builtin_mul_overflow(round_up(c->pw, s->lanes), s->m0, &blocks) ||
        __builtin_mul_overflow(s->m0, s->kspec_stride, &kspec) || blocks > limit ||
        kspec > limit)
        return NDKERN_ENOMEM;
    s->blocks_re = malloc((size_t)blocks * scalar);
    s->blocks_im = malloc((size_t)blocks * scalar);
    s->kspec_re = malloc((size_t)kspec * scalar);
    s->kspec_im = malloc((size_t)kspec * scalar);
    if (!s->blocks_re || !s->blocks_im || !s->kspec_re || !s->kspec_im)
        return NDKERN_ENOMEM;
    if (s->strip_rows < c->ph - c->kh + 1) { /* several strips share the kernel's rows */
        const int64_t krows = round_up(s->m0, s->lanes) * s->n1; /* <= 2 blocks */
        s->krows_re = malloc((size_t)krows * scalar);
        s->krows_im = malloc((size_t)krows * scalar);
        if (s->krows_re == NULL || s->krows_im == NULL)
            return NDKERN_ENOMEM;
    }
    zero_padding_lanes(s);
    return allocate_spaces(s, nthreads);
}

static void run_pass(const struct fft2d *s, int nthreads, enum fft_pass pass, int64_t items)
{
    struct fft_job job = {s, fft_tasks[s->conv->is_f32 != 0][pass]};
    ndk_parallel_for(nthreads, (items + s->lanes - 1) / s->lanes, fft_task, &job);
}

/* Passes 1 to 4 on each strip of output rows, the kernel's column spectra
 * (and with several strips its row spectra) once before them. */
static void run_strips(struct fft2d *s, int nthreads)
{
    const struct ndk_fft_conv *c = s->conv;
    const int64_t hh = c->ph - c->kh + 1;
    run_pass(s, nthreads, PASS_KERNEL_COLUMNS, c->kw);
    if (s->krows_re != NULL)
        run_pass(s, nthreads, PASS_KERNEL_ROWS, s->m0);
    for (s->row0 = 0; s->row0 < hh; s->row0 += s->strip_rows) {
        const int64_t rows = hh - s->row0 < s->strip_rows ? hh - s->row0 : s->strip_rows;
        s->strip_ph = rows + c->kh - 1;
        run_pass(s, nthreads, PASS_IMAGE_ROWS, s->n0); /* rows past strip_ph: zeros */
        run_pass(s, nthreads, PASS_IMAGE_COLUMNS, c->pw);
        run_pass(s, nthreads, PASS_MIDDLE, s->m0);
        run_pass(s, nthreads, PASS_OUTPUT, c->pw - c->kw + 1);
    }
}

int ndk_fft_correlate(const struct ndk_fft_conv *conv)
{
    struct fft2d s;
    memset(&s, 0, sizeof s);
    int64_t points = 0;
    int rc = plan_sizes(&s, conv);
    const int64_t tiles = rc == NDKERN_OK ? (conv->pw - conv->kw) / s.tile_cols + 1 : 0;
    /* A strip's transform points must be countable: beyond, NDKERN_ENOMEM. */
    if (rc == NDKERN_OK && (__builtin_mul_overflow(s.n0, s.n1, &points) ||
                            __builtin_mul_overflow(points, tiles, &points)))
        rc = NDKERN_ENOMEM;
    /* Threads by the estimated one-thread time (pool.c's rule). */
    const int nthreads = ndk_threads_for_time(ndk_fft_correlate_cost(
        conv->ph, conv->pw, conv->kh, conv->kw, conv->is_f32, conv->is_complex));
    if (rc == NDKERN_OK)
        rc = allocate(&s, nthreads);
    if (rc == NDKERN_OK)
        run_strips(&s, nthreads);
    free_fft2d(&s);
    return rc;
}

int64_t ndk_fft_strip_rows(int64_t ph, int64_t kh, int is_complex)
{
    const int64_t hh = ph - kh + 1;
    int64_t wanted = FFT_STRIP_KERNEL_FACTOR * (kh - 1);
    if (wanted < FFT_STRIP_MIN_LENGTH)
        wanted = FFT_STRIP_MIN_LENGTH;
    const int64_t n0 = ndk_fft_good_length(wanted, !is_complex), most = n0 - kh + 1;
    if (n0 == 0 || most >= hh || n0 >= ph)
        return hh;
    const int64_t strips = (hh + most - 1) / most;
    return (hh + strips - 1) / strips; /* balanced: no short last strip */
}

double ndk_fft_correlate_cost(int64_t ph, int64_t pw, int64_t kh, int64_t kw, int is_f32,
                              int is_complex)
{
    const int64_t strip_rows = ndk_fft_strip_rows(ph, kh, is_complex);
    const double strips = ceil((double)(ph - kh + 1) / (double)strip_rows);
    const double n0 = (double)ndk_fft_good_length(strip_rows + kh - 1, !is_complex);
    const int64_t tile_cols = tile_columns(pw, kw, FFT_BATCH_BYTES / (is_f32 ? 4 : 8));
    const double tiles = ceil((double)(pw - kw + 1) / (double)tile_cols);
    const double n1 = (double)ndk_fft_good_length(tile_cols + kw - 1, 0);
    const double h0 = is_complex ? n0 : n0 / 2, m0 = is_complex ? n0 : n0 / 2 + 1;
    const double column = h0 * log2(h0 > 2 ? h0 : 2);
    const double per_strip =
        2 * (double)pw * column + 3 * m0 * tiles * n1 * log2(n1 > 2 ? n1 : 2);
    return (is_f32 ? FFT_NS_F32 : FFT_NS_F64) * (strips * per_strip + (double)kw * column);
}

/* ------------------------------------------------ step 4 of convolve2d */

static const void *padded_image_row(const void *ctx, int64_t t, void *buf)
{
    return ndk_conv_padded_row(ctx, t, buf);
}

static void store_segment(const void *ctx, int64_t m, int64_t n0, int64_t count,
                          const void *values)
{
    const struct ndk_conv_padded *pad = ctx;
    const struct ndk_conv_plan *p = pad->p;
    char *dst = p->out.data + m * p->out.row_stride + n0 * p->out.col_stride;
    const int64_t elem = p->scalars_per_element * p->scalar_bytes;
    if (!p->is_complex) {
        ndk_conv_store_row(p, values, NULL, count, dst, p->out.col_stride);
        return;
    }
    for (int64_t n = 0; n < count; n++) /* (re, im) pairs are complex elements */
        memcpy(dst + n * p->out.col_stride, (const char *)values + n * elem, (size_t)elem);
}

/* W (the plan's kernel view, input dtype) as contiguous compute-type
 * values, conjugated for a complex correlation: through double, which
 * holds float32 and float64 exactly. */
static void *weights_of(const struct ndk_conv_plan *p)
{
    const int64_t kh = p->kernel.rows, kw = p->kernel.cols, vpe = p->scalars_per_element;
    double *row = malloc((size_t)(kw * vpe) * sizeof(double));
    char *weights = malloc((size_t)(kh * kw * vpe * p->scalar_bytes));
    if (row == NULL || weights == NULL) {
        free(row);
        free(weights);
        return NULL;
    }
    for (int64_t a = 0; a < kh; a++) {
        const char *src = p->kernel.data + a * p->kernel.row_stride;
        if (p->is_complex)
            p->kernels->to_complex[p->dtype](src, p->kernel.col_stride, kw, row);
        else
            p->kernels->to_real[p->dtype](src, p->kernel.col_stride, kw, row);
        for (int64_t i = 0; i < kw * vpe; i++) {
            const double v = p->is_complex && p->conjugate && i % 2 ? -row[i] : row[i];
            if (p->compute_type == NDK_CT_F32)
                ((float *)(void *)weights)[a * kw * vpe + i] = (float)v;
            else
                ((double *)(void *)weights)[a * kw * vpe + i] = v;
        }
    }
    free(row);
    return weights;
}

int ndk_conv_execute_fft(const struct ndk_conv_plan *p)
{
    struct ndk_conv_padded pad;
    int rc = ndk_conv_padded_init(&pad, p);
    void *weights = rc == NDKERN_OK ? weights_of(p) : NULL;
    if (rc == NDKERN_OK && weights == NULL)
        rc = NDKERN_ENOMEM;
    const struct ndk_fft_conv conv = {
        .is_f32 = p->compute_type == NDK_CT_F32,
        .is_complex = p->is_complex,
        .ph = p->out.rows + p->kernel.rows - 1,
        .pw = p->out.cols + p->kernel.cols - 1,
        .kh = p->kernel.rows,
        .kw = p->kernel.cols,
        .weights = weights,
        .image_row = padded_image_row,
        .store_segment = store_segment,
        .ctx = &pad,
        .row_capacity = pad.row_len,
    };
    if (rc == NDKERN_OK)
        rc = ndk_fft_correlate(&conv);
    free(weights);
    ndk_conv_padded_free(&pad);
    return rc;
}
