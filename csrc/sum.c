/* sum.c -- sum_array: sums over the trailing axes, as numpy.sum, but with a
 * fixed, accurate summation order.
 *
 * Floating sums (out_dtype float or complex) are defined on the sequence of
 * values v_0, v_1, ... of one output element's reduction, in the logical
 * order of the reduced axes (ordered by decreasing |stride|); a complex
 * element contributes two values (re, im).  Values form blocks of
 * NDK_SUM_BLOCK; inside a block value i is added to lane i % 16; the lanes
 * are folded pairwise (l += l + 8, + 4, + 2) into a pair; the pairs of
 * successive blocks are combined by a binary cascade (a pairwise tree).
 * Every strategy below, per output ("along"), vectorised across outputs
 * ("across"), and any split across threads, evaluates exactly this
 * expression with the one cascade and the one lane fold of this file, so
 * the result never depends on threads or SIMD level.
 * Integer sums wrap modulo 2^64 and are order-free. */
#include <stdlib.h>

#include "internal.h"

/* Blocks per task when a single long reduction is split over threads: a
 * chunk is a whole subtree of the cascade (level CHUNK_LEVEL), so chunks
 * combine exactly as the blocks would have. */
#define CHUNK_LEVEL 10
#define CHUNK_BLOCKS (INT64_C(1) << CHUNK_LEVEL)
/* A single long reduction is split over threads only when each thread gets
 * at least this many chunks, so the chunks balance over the threads. */
#define CHUNKS_PER_THREAD 4
/* Most outputs per tile of the "across" strategy: wide tiles read each
 * input row in long runs (4096 float64: 32 KB); the tile's lanes, 16 x 4096
 * doubles = 512 KB, stay in L2.  1024 read 8 KB runs: 1.6x slower. */
#define TILE_MAX 4096
/* Tiles narrowed to give every thread work stay a multiple of this many
 * outputs, so every tile but the last fills whole vectors (8 float64 per
 * AVX-512 register) and, for float64, whole 64-byte cache lines. */
#define TILE_ALIGN 8
/* Tasks per thread the "across" strategy aims for, so uneven chunks and
 * tiles still balance. */
#define TASKS_PER_THREAD 4
/* Reduced elements per task of the "along" strategy (outputs are grouped
 * until a task has this many): 64 K float64 take ~20 microseconds on one
 * core (1 M contiguous: 280 us), far more than handing out a task. */
#define ALONG_TASK_ELEMS (INT64_C(1) << 16)
/* Levels a cascade can hold: its count of units is a uint64_t. */
#define CASCADE_LEVELS 64

/* What sum_array computes, with the axes normalised. */
struct sum_plan {
    const struct ndk_kernels *kernels;  /* this machine's kernel table */
    int dtype, out_dtype;               /* NDKERN_* codes of x and out */
    enum ndk_kind kind;                 /* the sum's arithmetic: out_dtype's kind */
    int values_per_element;             /* doubles per element: 2 for complex sums */
    int64_t itemsize;                   /* bytes per element of x */
    int64_t elems_per_block;            /* elements per block of NDK_SUM_BLOCK values */
    char *x, *out;                      /* the arrays' data */
    /* The reduced axes of x, in logical order (ndk_loop_init_ordered); the
     * last is the inner one. */
    struct ndk_loop reduced;
    int64_t reduced_count;              /* elements per reduction, > 0 once planned */
    /* The kept axes of extent > 1, in C order. */
    int kept_ndim;
    int64_t kept_shape[NDKERN_MAX_NDIM];
    int64_t kept_x_strides[NDKERN_MAX_NDIM];    /* bytes, in x */
    int64_t kept_out_strides[NDKERN_MAX_NDIM];  /* bytes, in out */
    int64_t kept_count;                 /* outputs */
    /* The kept axis the "across" strategy tiles: the one with the smallest
     * |x stride| (-1 when there is none), and kept_shape with that axis's
     * extent 1, which enumerates the rows of tiles. */
    int tiled_axis;
    int64_t tile_rows_shape[NDKERN_MAX_NDIM];
};

/* ---------------------------------------------------------------- cascade */

/* The fixed pairwise tree over the blocks of a reduction, for a row of
 * outputs at once: each unit pushed is a row of `width` doubles (two per
 * output: a block's pair, or (re, im)).  Level l holds a whole subtree of
 * 2^l units while bit l of count is set; a new unit is added on the right
 * of every level it completes.  A single output is a row of width 2. */
struct cascade {
    uint64_t count;     /* units pushed */
    int64_t width;      /* doubles per row */
    double *levels;     /* row l at levels + l * width, for every l that
                         * count can reach */
};

/* Pushes a unit; `row` is clobbered.  Inline: the per-output strategy
 * pushes once per block of 256 values, where a call and a memcpy call cost
 * a few percent. */
static inline void cascade_push(struct cascade *c, double *row)
{
    int l = 0;
    for (; (c->count >> l) & 1; l++) {
        const double *level = c->levels + l * c->width;
        for (int64_t t = 0; t < c->width; t++)
            row[t] = level[t] + row[t];
    }
    double *top = c->levels + l * c->width;
    for (int64_t t = 0; t < c->width; t++)
        top[t] = row[t];
    c->count++;
}

/* out = the sum of all units pushed: the levels from the lowest, each added
 * on the left.  `below` (or NULL) is the sum of a partial subtree that
 * followed them, all of whose levels lay below theirs: the starting point.
 * out may be `below`; all zeros when nothing was pushed. */
static void cascade_result(const struct cascade *c, const double *below, double *out)
{
    const size_t bytes = (size_t)c->width * sizeof(double);
    int have = below != NULL;
    if (have && out != below)
        memcpy(out, below, bytes);
    for (int l = 0; l < CASCADE_LEVELS; l++) {
        if (!((c->count >> l) & 1))
            continue;
        const double *level = c->levels + l * c->width;
        if (!have)
            memcpy(out, level, bytes);
        else
            for (int64_t t = 0; t < c->width; t++)
                out[t] = level[t] + out[t];
        have = 1;
    }
    if (!have)
        memset(out, 0, bytes);
}

/* Combines the results of consecutive chunks of a reduction, rows[k] of
 * `width` doubles for k < nchunks, into out: the first nfull chunks are
 * whole subtrees of one level, so they are pushed as units; the last, if
 * partial, lies below them all.  `levels` holds bit-width(nfull) rows.
 * rows is clobbered; out may be rows. */
static void cascade_merge_chunks(double *rows, int64_t nchunks, int64_t nfull, int64_t width,
                                 double *levels, double *out)
{
    struct cascade c = {.count = 0, .width = width, .levels = levels};
    for (int64_t k = 0; k < nfull; k++)
        cascade_push(&c, rows + k * width);
    cascade_result(&c, nfull < nchunks ? rows + nfull * width : NULL, out);
}

/* Folds the lanes of a finished block pairwise, lane l += lane l + w for
 * w = nlanes / 2, nlanes / 4, ... down to `nleft` lanes.  Lane l is the row
 * of nvals doubles at lanes + l * lane_stride: 16 value lanes end as two
 * (the pair), 8 lanes of (re, im) pairs end as one. */
static inline void fold_lanes(double *lanes, int64_t lane_stride, int nlanes, int nleft,
                              int64_t nvals)
{
    for (int w = nlanes / 2; w >= nleft; w /= 2)
        for (int l = 0; l < w; l++)
            for (int64_t t = 0; t < nvals; t++)
                lanes[l * lane_stride + t] = lanes[l * lane_stride + t] +
                                             lanes[(l + w) * lane_stride + t];
}

/* Smallest n with v < 2^n. */
static int bit_width(uint64_t v)
{
    int n = 0;
    while (n < CASCADE_LEVELS && (v >> n) != 0)
        n++;
    return n;
}

/* ---------------------------------------------------------------- reading */

/* Converts n elements at src, stride bytes apart, to the sum's values:
 * integers modulo 2^64, doubles (real part), or (re, im) pairs. */
static void convert_values(const struct sum_plan *p, const char *src, int64_t stride,
                           int64_t n, void *dst)
{
    switch (p->kind) {
    case NDK_KIND_INT:
        p->kernels->to_int[p->dtype](src, stride, n, dst);
        break;
    case NDK_KIND_REAL:
        p->kernels->to_real[p->dtype](src, stride, n, dst);
        break;
    case NDK_KIND_COMPLEX:
        p->kernels->to_complex[p->dtype](src, stride, n, dst);
        break;
    }
}

/* Whether x holds the sum's own floating type (float64/float32 for a real
 * sum, complex128/complex64 for a complex one), which the sum_lanes and
 * sum_rows kernels read where it lies.  float16 is converted (to_real). */
static int sums_in_place(const struct sum_plan *p)
{
    return p->kind != NDK_KIND_INT && ndk_dtypes[p->dtype].kind == (int)p->kind &&
           p->dtype != NDKERN_FLOAT16;
}

/* float32 or complex64: the in-place kernels widen them (the *_f32 ones). */
static int is_narrow_float(int dtype)
{
    return dtype == NDKERN_FLOAT32 || dtype == NDKERN_COMPLEX64;
}

/* Walks the reduced axes of one output element in logical order. */
struct reader {
    const struct sum_plan *p;
    const char *base;           /* the reduction's element zero */
    struct ndk_odometer rows;   /* over the reduced axes but the inner one */
    int64_t pos;                /* the next element within the current row */
};

/* Starts r at reduced element `element` (logical order) of base. */
static void reader_seek(struct reader *r, const struct sum_plan *p, const char *base,
                        int64_t element)
{
    const int inner = p->reduced.ndim - 1;
    const int64_t inner_n = p->reduced.shape[inner];
    r->p = p;
    r->base = base;
    ndk_odometer_init(&r->rows, inner, p->reduced.shape, p->reduced.strides[0], NULL,
                      element / inner_n);
    r->pos = element % inner_n;
}

/* Converts the next n elements to doubles (REAL, COMPLEX) or integers. */
static void reader_read(struct reader *r, int64_t n, void *dst)
{
    const struct sum_plan *p = r->p;
    const int inner = p->reduced.ndim - 1;
    const int64_t inner_n = p->reduced.shape[inner], stride = p->reduced.strides[0][inner];
    char *out = dst;
    while (n > 0) {
        int64_t take = inner_n - r->pos < n ? inner_n - r->pos : n;
        convert_values(p, r->base + r->rows.offset[0] + r->pos * stride, stride, take, out);
        out += take * p->values_per_element * (int64_t)sizeof(double);
        n -= take;
        r->pos += take;
        if (r->pos < inner_n)
            break;
        r->pos = 0;
        ndk_odometer_next(&r->rows);
    }
}

/* ---------------------------------------------------------------- results */

#define NDK_STORE_RESULT_INT(name, ctype, scalar) \
    ndk_store_##name(dst, (ctype)(scalar)u)
#define NDK_STORE_RESULT_REAL(name, ctype, scalar) \
    ndk_store_##name(dst, (ctype)(pair[0] + pair[1]))
#define NDK_STORE_RESULT_COMPLEX(name, ctype, scalar) \
    ndk_store_##name(dst, (ctype){(scalar)pair[0], (scalar)pair[1]})
#define NDK_STORE_RESULT_HALF(name, ctype, scalar) \
    ndk_store_##name(dst, ndk_half_from_double(pair[0] + pair[1]))
/* Never an out_dtype (sum_check_arguments). */
#define NDK_STORE_RESULT_BOOL(name, ctype, scalar)
#define NDK_STORE_RESULT(CODE, name, ctype, KIND, scalar, SIGNED) \
    case NDKERN_##CODE:                                           \
        NDK_STORE_RESULT_##KIND(name, ctype, scalar);             \
        break;

/* Stores one result: u for integer sums, else the cascade's pair (REAL
 * output is pair[0] + pair[1]; COMPLEX is (re, im)). */
static void store_result(int out_dtype, char *dst, uint64_t u, const double pair[2])
{
    switch (out_dtype) {
        NDK_FOR_EACH_DTYPE(NDK_STORE_RESULT)
    }
}

/* Writes 0 to every output (all reductions are empty). */
static void store_zero_sums(const struct sum_plan *p)
{
    const double zero_pair[2] = {0.0, 0.0};
    struct ndk_odometer kept;
    ndk_odometer_init(&kept, p->kept_ndim, p->kept_shape, p->kept_out_strides, NULL, 0);
    for (int64_t j = 0; j < p->kept_count; j++) {
        store_result(p->out_dtype, p->out + kept.offset[0], 0, zero_pair);
        ndk_odometer_next(&kept);
    }
}

/* The input base and the output address of flat index j over the kept
 * axes with extents `shape` (kept_shape, or tile_rows_shape for the first
 * output of a row of tiles). */
static void kept_position(const struct sum_plan *p, const int64_t *shape, int64_t j,
                          const char **base, char **dst)
{
    struct ndk_odometer kept;
    ndk_odometer_init(&kept, p->kept_ndim, shape, p->kept_x_strides, p->kept_out_strides, j);
    *base = p->x + kept.offset[0];
    *dst = p->out + kept.offset[1];
}

/* ------------------------------------------------- "along": per output */

/* Blocks of one reduction (the last may be partial). */
static int64_t blocks_of(const struct sum_plan *p)
{
    return (p->reduced_count + p->elems_per_block - 1) / p->elems_per_block;
}

/* Pushes blocks [b0, b1) of the reduction starting at `base` into c (a
 * cascade of width 2). */
static void along_float(const struct sum_plan *p, const char *base, int64_t b0,
                        int64_t b1, struct cascade *c)
{
    const int64_t block_elems = p->elems_per_block;
    /* Contiguous values of the sum's own type are summed where they lie:
     * float64/complex128 as they are, float32/complex64 widened. */
    const int direct = sums_in_place(p) && p->reduced.ndim == 1 &&
                       p->reduced.strides[0][0] == p->itemsize;
    void (*const sum_lanes)(const void *, int64_t, double *) =
        is_narrow_float(p->dtype) ? p->kernels->sum_lanes_f32 : p->kernels->sum_lanes;
    double buffer[NDK_SUM_BLOCK];
    struct reader r;
    if (b0 >= b1)
        return;
    if (!direct)
        reader_seek(&r, p, base, b0 * block_elems);
    for (int64_t b = b0; b < b1; b++) {
        const int64_t left = p->reduced_count - b * block_elems;
        const int64_t n = left < block_elems ? left : block_elems;
        double lanes[NDK_SUM_LANES] = {0};
        if (direct) {
            sum_lanes(base + b * block_elems * p->itemsize, n * p->values_per_element, lanes);
        } else {
            reader_read(&r, n, buffer);
            p->kernels->sum_lanes(buffer, n * p->values_per_element, lanes);
        }
        fold_lanes(lanes, 1, NDK_SUM_LANES, 2, 1);
        cascade_push(c, lanes);
    }
}

/* The integer sum of reduced elements [e0, e1) of the reduction at base. */
static uint64_t along_int(const struct sum_plan *p, const char *base, int64_t e0,
                          int64_t e1)
{
    uint64_t buffer[NDK_SUM_BLOCK], total = 0;
    struct reader r;
    if (e0 >= e1)
        return 0;
    reader_seek(&r, p, base, e0);
    for (int64_t e = e0; e < e1; e += NDK_SUM_BLOCK) {
        int64_t n = e1 - e < NDK_SUM_BLOCK ? e1 - e : NDK_SUM_BLOCK;
        reader_read(&r, n, buffer);
        total += p->kernels->sum_u64(buffer, n);
    }
    return total;
}

/* Sums and stores output j (flat index over the kept axes). */
static void along_output(const struct sum_plan *p, int64_t j)
{
    const char *base;
    char *dst;
    kept_position(p, p->kept_shape, j, &base, &dst);
    double pair[2] = {0.0, 0.0};
    uint64_t u = 0;
    if (p->kind == NDK_KIND_INT) {
        u = along_int(p, base, 0, p->reduced_count);
    } else {
        double levels[CASCADE_LEVELS][2];
        struct cascade c = {.count = 0, .width = 2, .levels = levels[0]};
        along_float(p, base, 0, blocks_of(p), &c);
        cascade_result(&c, NULL, pair);
    }
    store_result(p->out_dtype, dst, u, pair);
}

/* One task: a range of outputs. */
struct along_job {
    const struct sum_plan *p;
    int64_t outputs_per_task;   /* consecutive flat output indices per task */
};

static void along_task(void *ctx, int64_t task, int worker)
{
    const struct along_job *job = ctx;
    const int64_t nout = job->p->kept_count;
    (void)worker;
    int64_t j0 = task * job->outputs_per_task;
    int64_t j1 = j0 + job->outputs_per_task < nout ? j0 + job->outputs_per_task : nout;
    for (int64_t j = j0; j < j1; j++)
        along_output(job->p, j);
}

static int sum_along(const struct sum_plan *p, int nthreads)
{
    /* Group outputs so each task has enough work. */
    const struct along_job job = {
        .p = p,
        .outputs_per_task = ALONG_TASK_ELEMS / p->reduced_count + 1,
    };
    int64_t ntasks = (p->kept_count + job.outputs_per_task - 1) / job.outputs_per_task;
    ndk_parallel_for(nthreads, ntasks, along_task, (void *)&job);
    return NDKERN_OK;
}

/* ---------------------------------------- one output, split over threads */

/* One long reduction split into chunks of CHUNK_BLOCKS blocks, whole
 * cascade subtrees but the last; their results are merged in order. */
struct chunk_job {
    const struct sum_plan *p;
    int64_t nblocks;            /* blocks of the reduction */
    double (*results)[2];       /* float sums: each chunk's cascade result */
    uint64_t *int_sums;         /* integer sums: each chunk's sum */
};

static void chunk_task(void *ctx, int64_t task, int worker)
{
    struct chunk_job *job = ctx;
    const struct sum_plan *p = job->p;
    (void)worker;
    int64_t b0 = task * CHUNK_BLOCKS;
    int64_t b1 = b0 + CHUNK_BLOCKS < job->nblocks ? b0 + CHUNK_BLOCKS : job->nblocks;
    if (p->kind == NDK_KIND_INT) {
        int64_t e0 = b0 * p->elems_per_block, e1 = b1 * p->elems_per_block;
        if (e1 > p->reduced_count)
            e1 = p->reduced_count;
        job->int_sums[task] = along_int(p, p->x, e0, e1);
        return;
    }
    double levels[CASCADE_LEVELS][2];
    struct cascade c = {.count = 0, .width = 2, .levels = levels[0]};
    along_float(p, p->x, b0, b1, &c);
    cascade_result(&c, NULL, job->results[task]);
}

static int sum_single_output_threaded(const struct sum_plan *p, int nthreads)
{
    struct chunk_job job = {.p = p, .nblocks = blocks_of(p)};
    const int64_t ntasks = (job.nblocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
    job.results = malloc((size_t)ntasks * sizeof *job.results);
    job.int_sums = malloc((size_t)ntasks * sizeof *job.int_sums);
    if (job.results == NULL || job.int_sums == NULL) {
        free(job.results);
        free(job.int_sums);
        return NDKERN_ENOMEM;
    }
    ndk_parallel_for(nthreads, ntasks, chunk_task, &job);

    double pair[2] = {0.0, 0.0};
    uint64_t u = 0;
    if (p->kind == NDK_KIND_INT) {
        for (int64_t t = 0; t < ntasks; t++)
            u += job.int_sums[t];
    } else {
        double levels[CASCADE_LEVELS][2];
        cascade_merge_chunks(job.results[0], ntasks, job.nblocks / CHUNK_BLOCKS, 2,
                             levels[0], pair);
    }
    store_result(p->out_dtype, p->out, u, pair);
    free(job.results);
    free(job.int_sums);
    return NDKERN_OK;
}

/* ------------------------------------- "across": vectorised over outputs */

/* Lanes of the "across" buffers: complex values fill 8 lanes of (re, im)
 * pairs, the same arithmetic as 16 value lanes. */
static int across_lanes(enum ndk_kind kind)
{
    return kind == NDK_KIND_COMPLEX ? NDK_SUM_LANES / 2 : NDK_SUM_LANES;
}

/* A worker's buffers for `tile` outputs along the tiled axis. */
struct across_space {
    double *lanes[NDK_SUM_LANES];   /* value lanes: complex, 8 rows of 2 * tile
                                     * values; else 16 rows of tile */
    int64_t lane_stride;            /* lanes[l] = lanes[0] + l * lane_stride */
    double *levels;                 /* nlevels rows of 2 * tile: the cascade */
    double *row;                    /* 2 * tile: converted input / block pairs */
    uint64_t *acc, *irow;           /* integer sums: tile each (sums, converted input) */
};

struct across_job {
    const struct sum_plan *p;
    struct across_space *spaces;   /* one per worker */
    int64_t tile, ntiles;          /* outputs per tile, tiles along the tiled axis */
    /* The reduction in nchunks chunks of 2^chunk_level blocks (whole
     * cascade subtrees; only the last may be partial) of chunk_elems
     * elements. */
    int64_t nchunks, chunk_elems;
    int chunk_level;
    int nlevels;                   /* rows of a worker's cascade levels */
    /* nchunks > 1: each chunk's result for every output, a row of
     * 2 * kept_count doubles per chunk (float sums) or kept_count integers
     * (the same memory), and the levels of the cascade that merges them. */
    double *chunk_results;
    uint64_t *chunk_int_sums;
    double *merge_levels;
    void *memory;                  /* one allocation for all of the above */
};

/* What one task of the across strategy sums: a tile of outputs times a
 * chunk of the reduction. */
struct across_part {
    int64_t chunk;                 /* which chunk of the reduction */
    int64_t tile_row;              /* flat index over the kept axes but the tiled one */
    int64_t first, width;          /* the tile's outputs along the tiled axis */
    int64_t e0, e1;                /* reduced elements [e0, e1) */
};

/* The 8-byte words of one worker's space: lanes (16 x tile), levels
 * (nlevels x 2 tile), row (2 tile), acc and irow (tile each). */
static size_t across_space_words(int64_t tile, int nlevels)
{
    return (size_t)tile * (size_t)(NDK_SUM_LANES + 2 * nlevels + 2 + 2);
}

static void across_space_init(struct across_space *s, double *d, int64_t tile,
                              int values_per_element, int nlevels)
{
    const size_t width = (size_t)(2 * tile);
    s->lane_stride = values_per_element * tile;
    for (int l = 0; l < NDK_SUM_LANES / values_per_element; l++, d += s->lane_stride)
        s->lanes[l] = d;
    s->levels = d;
    d += (size_t)nlevels * width;
    s->row = d;
    d += width;
    s->acc = (uint64_t *)(void *)d;
    s->irow = s->acc + tile;
}

static void across_clear_lanes(struct across_space *s, int nlanes, int64_t nvals)
{
    for (int k = 0; k < nlanes; k++)
        memset(s->lanes[k], 0, (size_t)nvals * sizeof(double));
}

/* Ends a block: folds its lanes, gathers each output's pair into s->row
 * and pushes that row into the cascade c.  The pair of output t is
 * (lanes[0][t], lanes[1][t]) when real, (lanes[0][2t], lanes[0][2t + 1])
 * when complex; it goes to row[2t..2t + 1]. */
static void across_push(struct across_space *s, enum ndk_kind kind, int64_t width,
                        struct cascade *c)
{
    const int is_complex = kind == NDK_KIND_COMPLEX;
    fold_lanes(s->lanes[0], s->lane_stride, across_lanes(kind), is_complex ? 1 : 2,
               is_complex ? 2 * width : width);
    for (int64_t t = 0; t < width; t++) {
        s->row[2 * t] = is_complex ? s->lanes[0][2 * t] : s->lanes[0][t];
        s->row[2 * t + 1] = is_complex ? s->lanes[0][2 * t + 1] : s->lanes[1][t];
    }
    cascade_push(c, s->row);
}

/* Pushes the blocks of the part's elements (e0 starts a block) when the
 * tiled axis holds the sum's floating type contiguously: each block's lanes
 * come from one sum_rows call over its rows. */
static void across_rows(const struct sum_plan *p, struct across_space *s, const char *base,
                        struct ndk_odometer *reduced, const struct across_part *part,
                        struct cascade *c)
{
    const int nlanes = across_lanes(p->kind);
    const int64_t nvals = part->width * p->values_per_element;
    void (*const sum_rows)(const void *const *, int64_t, int64_t, int, double *const *) =
        is_narrow_float(p->dtype) ? p->kernels->sum_rows_f32 : p->kernels->sum_rows;
    const void *rows[NDK_SUM_BLOCK];
    for (int64_t e = part->e0; e < part->e1;) {
        const int64_t n = part->e1 - e < p->elems_per_block ? part->e1 - e : p->elems_per_block;
        for (int64_t r = 0; r < n; r++) {
            rows[r] = base + reduced->offset[0];
            ndk_odometer_next(reduced);
        }
        sum_rows(rows, n, nvals, nlanes, s->lanes);
        across_push(s, p->kind, part->width, c);
        e += n;
    }
}

/* The same for any other rows: each is converted to doubles (or integers)
 * and added to its lane (or to the integer sums s->acc). */
static void across_convert(const struct sum_plan *p, struct across_space *s,
                           const char *base, struct ndk_odometer *reduced,
                           const struct across_part *part, struct cascade *c)
{
    const int nlanes = across_lanes(p->kind);
    const int64_t width = part->width, nvals = width * p->values_per_element;
    const int64_t tiled_stride = p->kept_x_strides[p->tiled_axis];
    across_clear_lanes(s, nlanes, nvals);
    if (p->kind == NDK_KIND_INT)
        memset(s->acc, 0, (size_t)width * sizeof(uint64_t));
    for (int64_t i = part->e0; i < part->e1; i++) {
        const char *src = base + reduced->offset[0];
        if (p->kind == NDK_KIND_INT) {
            convert_values(p, src, tiled_stride, width, s->irow);
            p->kernels->add_u64(s->acc, s->irow, width);
        } else {
            convert_values(p, src, tiled_stride, width, s->row);
            p->kernels->add_f64(s->lanes[i % nlanes], s->row, nvals);
            if ((i + 1) % p->elems_per_block == 0 || i + 1 == p->reduced_count) {
                across_push(s, p->kind, width, c);
                across_clear_lanes(s, nlanes, nvals);
            }
        }
        ndk_odometer_next(reduced);
    }
}

static struct across_part across_part_of(const struct across_job *job, int64_t task)
{
    const struct sum_plan *p = job->p;
    const int64_t extent = p->kept_shape[p->tiled_axis];
    const int64_t tiled = task / job->nchunks;
    struct across_part part = {
        .chunk = task % job->nchunks,
        .tile_row = tiled / job->ntiles,
        .first = (tiled % job->ntiles) * job->tile,
    };
    part.width = extent - part.first < job->tile ? extent - part.first : job->tile;
    part.e0 = part.chunk * job->chunk_elems;
    part.e1 = p->reduced_count - part.e0 < job->chunk_elems ? p->reduced_count
                                                             : part.e0 + job->chunk_elems;
    return part;
}

/* Stores the part's results (a single chunk), or keeps them in the job's
 * chunk rows for across_merge. */
static void across_finish(const struct across_job *job, struct across_space *s,
                          const struct across_part *part, const struct cascade *c,
                          char *dst)
{
    const struct sum_plan *p = job->p;
    const int64_t j0 = part->tile_row * p->kept_shape[p->tiled_axis] + part->first;
    const int64_t out_stride = p->kept_out_strides[p->tiled_axis];
    if (job->nchunks > 1) {
        if (p->kind == NDK_KIND_INT)
            memcpy(job->chunk_int_sums + part->chunk * p->kept_count + j0, s->acc,
                   (size_t)part->width * sizeof(uint64_t));
        else
            cascade_result(c, NULL,
                           job->chunk_results + 2 * (part->chunk * p->kept_count + j0));
        return;
    }
    if (p->kind != NDK_KIND_INT)
        cascade_result(c, NULL, s->row);
    for (int64_t t = 0; t < part->width; t++)
        store_result(p->out_dtype, dst + t * out_stride,
                     p->kind == NDK_KIND_INT ? s->acc[t] : 0, s->row + 2 * t);
}

static void across_task(void *ctx, int64_t task, int worker)
{
    const struct across_job *job = ctx;
    const struct sum_plan *p = job->p;
    struct across_space *s = &job->spaces[worker];
    const struct across_part part = across_part_of(job, task);
    const int64_t tiled_stride = p->kept_x_strides[p->tiled_axis];
    /* Rows of the sum's own floating type are read where they lie. */
    const int direct = sums_in_place(p) && tiled_stride == p->itemsize;

    const char *base;
    char *dst;
    kept_position(p, p->tile_rows_shape, part.tile_row, &base, &dst);
    base += part.first * tiled_stride;
    dst += part.first * p->kept_out_strides[p->tiled_axis];

    /* Walk the chunk's reduced elements in logical order; element i feeds
     * lane i % nlanes; a block ends every elems_per_block elements. */
    struct ndk_odometer reduced;
    ndk_odometer_init(&reduced, p->reduced.ndim, p->reduced.shape, p->reduced.strides[0],
                      NULL, part.e0);
    struct cascade c = {.count = 0, .width = 2 * part.width, .levels = s->levels};
    (direct ? across_rows : across_convert)(p, s, base, &reduced, &part, &c);
    across_finish(job, s, &part, &c, dst);
}

/* Combines the chunks' results of every output in the cascade's order,
 * whole rows of outputs at a time, and stores them. */
static void across_merge(const struct across_job *job)
{
    const struct sum_plan *p = job->p;
    const int64_t extent = p->kept_shape[p->tiled_axis], tile_rows = p->kept_count / extent;
    const int64_t out_stride = p->kept_out_strides[p->tiled_axis];
    const int64_t nfull = blocks_of(p) >> job->chunk_level;
    if (p->kind == NDK_KIND_INT)
        for (int64_t c = 1; c < job->nchunks; c++)
            p->kernels->add_u64(job->chunk_int_sums, job->chunk_int_sums + c * p->kept_count,
                                p->kept_count);
    else
        cascade_merge_chunks(job->chunk_results, job->nchunks, nfull, 2 * p->kept_count,
                             job->merge_levels, job->chunk_results);
    for (int64_t o = 0; o < tile_rows; o++) {
        const char *base;
        char *dst;
        kept_position(p, p->tile_rows_shape, o, &base, &dst);
        for (int64_t t = 0, j = o * extent; t < extent; t++, j++)
            store_result(p->out_dtype, dst + t * out_stride,
                         p->kind == NDK_KIND_INT ? job->chunk_int_sums[j] : 0,
                         job->chunk_results + 2 * j);
    }
}

/* Tiles along the tiled axis times chunks of the reduction, enough tasks
 * for every thread: the reduction is split first (each thread then reads
 * its own rows from start to end, the fastest pattern for memory), the
 * tiles are narrowed only if that is not enough.  Returns the tasks. */
static int64_t across_plan(struct across_job *job, int nthreads)
{
    const struct sum_plan *p = job->p;
    const int64_t extent = p->kept_shape[p->tiled_axis], tile_rows = p->kept_count / extent;
    const int64_t nblocks = blocks_of(p);
    const int64_t wanted = nthreads > 1 ? TASKS_PER_THREAD * nthreads : 1;
    job->tile = extent < TILE_MAX ? extent : TILE_MAX;
    job->ntiles = (extent + job->tile - 1) / job->tile;
    /* One chunk (a subtree holding every block) unless more tasks are wanted. */
    job->nlevels = bit_width((uint64_t)nblocks) + 1;
    job->chunk_level = job->nlevels - 1;
    while (job->chunk_level > 0 &&
           tile_rows * job->ntiles * (((nblocks - 1) >> job->chunk_level) + 1) < wanted)
        job->chunk_level--;
    job->nchunks = ((nblocks - 1) >> job->chunk_level) + 1;
    job->chunk_elems = p->reduced_count;
    if (job->nchunks > 1) {
        job->chunk_elems = (INT64_C(1) << job->chunk_level) * p->elems_per_block;
        job->nlevels = job->chunk_level + 1; /* a chunk's cascade stays below */
    }
    if (tile_rows * job->ntiles * job->nchunks < nthreads) {
        const int64_t per_thread = (extent + nthreads - 1) / nthreads;
        job->tile = (per_thread + TILE_ALIGN - 1) / TILE_ALIGN * TILE_ALIGN;
        job->ntiles = (extent + job->tile - 1) / job->tile;
    }
    return job->ntiles * tile_rows * job->nchunks;
}

/* Allocates the workers' spaces and the chunk results.  One block for
 * everything: glibc then reuses it on the next call instead of mapping and
 * zeroing fresh pages (separate blocks of a 2-thread 2048x4096 sum faulted
 * ~390 pages per call, ~20% of its time). */
static int across_alloc(struct across_job *job, int nthreads)
{
    const struct sum_plan *p = job->p;
    const size_t space = across_space_words(job->tile, job->nlevels);
    const size_t row = 2 * (size_t)p->kept_count;
    const size_t results = job->nchunks > 1 ? (size_t)job->nchunks * row : 0;
    const size_t merge = job->nchunks > 1 ? (size_t)bit_width((uint64_t)job->nchunks) * row : 0;
    job->spaces = malloc((size_t)nthreads * sizeof *job->spaces);
    job->memory = malloc(((size_t)nthreads * space + results + merge) * sizeof(double));
    if (job->spaces == NULL || job->memory == NULL) {
        free(job->spaces);
        free(job->memory);
        return NDKERN_ENOMEM;
    }
    double *words = job->memory;
    for (int i = 0; i < nthreads; i++)
        across_space_init(&job->spaces[i], words + (size_t)i * space, job->tile,
                          p->values_per_element, job->nlevels);
    job->chunk_results = words + (size_t)nthreads * space;
    job->chunk_int_sums = (uint64_t *)(void *)job->chunk_results;
    job->merge_levels = job->chunk_results + results;
    return NDKERN_OK;
}

static int sum_across(const struct sum_plan *p, int nthreads)
{
    struct across_job job = {.p = p};
    const int64_t ntasks = across_plan(&job, nthreads);
    if (nthreads > ntasks)
        nthreads = (int)ntasks;
    int rc = across_alloc(&job, nthreads);
    if (rc != NDKERN_OK)
        return rc;
    ndk_parallel_for(nthreads, ntasks, across_task, &job);
    if (job.nchunks > 1)
        across_merge(&job);
    free(job.spaces);
    free(job.memory);
    return NDKERN_OK;
}

/* ---------------------------------------------------------------- planning */

/* Validates the arguments; fills xa and oa. */
static int sum_check_arguments(struct ndk_array *xa, struct ndk_array *oa, const void *x,
                               const int64_t *x_strides, int ndim, const int64_t *shape,
                               int dtype, int nreduce, void *out,
                               const int64_t *out_strides, int out_dtype)
{
    /* A bool out_dtype would be a logical OR (numpy.sum(x, dtype=bool)), not
     * a sum: not provided. */
    if (!ndk_dtype_valid(dtype) || !ndk_dtype_valid(out_dtype) || out_dtype == NDKERN_BOOL)
        return NDKERN_EDTYPE;
    if (ndim < 0 || ndim > NDKERN_MAX_NDIM || nreduce < 0 || nreduce > ndim)
        return NDKERN_EINVAL;
    int rc = ndk_array_init(xa, x, ndim, shape, x_strides, ndk_dtypes[dtype].size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(oa, out, ndim - nreduce, shape, out_strides,
                            ndk_dtypes[out_dtype].size, 1);
    return rc;
}

/* The kept axes of extent > 1; the tiled one has the smallest |x stride|
 * (the last of equals). */
static void plan_kept_axes(struct sum_plan *p, int nkeep, const int64_t *shape,
                           const int64_t *x_strides, const int64_t *out_strides)
{
    p->kept_ndim = 0;
    p->tiled_axis = -1;
    for (int i = 0; i < nkeep; i++) {
        if (shape[i] == 1)
            continue;
        const int d = p->kept_ndim++;
        p->kept_shape[d] = p->tile_rows_shape[d] = shape[i];
        p->kept_x_strides[d] = x_strides[i];
        p->kept_out_strides[d] = out_strides[i];
        if (p->tiled_axis < 0 ||
            ndk_abs64(x_strides[i]) <= ndk_abs64(p->kept_x_strides[p->tiled_axis]))
            p->tiled_axis = d;
    }
    if (p->tiled_axis >= 0)
        p->tile_rows_shape[p->tiled_axis] = 1;
}

static void sum_plan_init(struct sum_plan *p, const struct ndk_array *xa,
                          const struct ndk_array *oa, int nreduce, int dtype,
                          int out_dtype)
{
    const int nkeep = xa->ndim - nreduce;
    const enum ndk_kind kind = ndk_dtypes[out_dtype].kind;
    const int values_per_element = kind == NDK_KIND_COMPLEX ? 2 : 1;
    *p = (struct sum_plan){
        .kernels = ndk_kernels(),
        .dtype = dtype,
        .out_dtype = out_dtype,
        .kind = kind,
        .values_per_element = values_per_element,
        .itemsize = xa->itemsize,
        .elems_per_block = NDK_SUM_BLOCK / values_per_element,
        .x = xa->data,
        .out = oa->data,
        .reduced_count = 1,
        .kept_count = oa->count,
    };
    for (int i = nkeep; i < xa->ndim; i++)
        p->reduced_count *= xa->shape[i];
    ndk_loop_init_ordered(&p->reduced, nreduce, xa->shape + nkeep, xa->strides + nkeep);
    plan_kept_axes(p, nkeep, xa->shape, xa->strides, oa->strides);
}

/* Threads by the estimated cost (ndk_threads_for_cost): one add per value
 * (two for complex), every element read once.  A single output is split
 * only into whole chunks, CHUNKS_PER_THREAD or more per thread. */
static int sum_threads(const struct sum_plan *p)
{
    const int64_t count = p->reduced_count * p->kept_count;
    const int nthreads = ndk_threads_for_cost(count * p->values_per_element,
                                              count * p->itemsize);
    if (p->kept_count > 1)
        return nthreads;
    const int balanced = ndk_threads_for(p->reduced_count,
                                         CHUNKS_PER_THREAD * CHUNK_BLOCKS * p->elems_per_block);
    return balanced < nthreads ? balanced : nthreads;
}

/* Chooses the strategy and the threads, and runs it. */
static int sum_run(const struct sum_plan *p)
{
    if (p->reduced_count == 0) { /* every output is an empty sum; x is never touched */
        store_zero_sums(p);
        return NDKERN_OK;
    }
    const int nthreads = sum_threads(p);
    if (p->kept_count == 1) {
        if (nthreads > 1)
            return sum_single_output_threaded(p, nthreads);
        along_output(p, 0);
        return NDKERN_OK;
    }
    /* Across outputs when the reductions are too short to fill a block, or
     * when neighbouring outputs lie closer together than the reduced
     * elements, so reading whole rows of outputs is the compact walk. */
    const int inner_reduced = p->reduced.ndim - 1;
    if (p->reduced_count < NDK_SUM_BLOCK ||
        ndk_abs64(p->kept_x_strides[p->tiled_axis]) <
            ndk_abs64(p->reduced.strides[0][inner_reduced]))
        return sum_across(p, nthreads);
    return sum_along(p, nthreads);
}

static int sum_checked(const void *x, const int64_t *x_strides, int ndim,
                       const int64_t *shape, int dtype, int nreduce, void *out,
                       const int64_t *out_strides, int out_dtype)
{
    struct ndk_array xa, oa;
    int rc = sum_check_arguments(&xa, &oa, x, x_strides, ndim, shape, dtype, nreduce, out,
                                 out_strides, out_dtype);
    if (rc != NDKERN_OK || oa.count == 0)
        return rc;
    if (ndk_arrays_overlap(&xa, &oa))
        return NDKERN_EOVERLAP;
    struct sum_plan p;
    sum_plan_init(&p, &xa, &oa, nreduce, dtype, out_dtype);
    return sum_run(&p);
}

/* The sum inside a floating-point scope: its exceptions are reported for
 * floating results (a float-to-integer sum reports none). */
NDKERN_API int sum_array(const void *x, const int64_t *x_strides, int ndim,
                         const int64_t *shape, int dtype, int nreduce, void *out,
                         const int64_t *out_strides, int out_dtype)
{
    struct ndk_fp_scope scope;
    ndk_fp_begin(&scope);
    const int rc = sum_checked(x, x_strides, ndim, shape, dtype, nreduce, out, out_strides,
                               out_dtype);
    ndk_fp_end(&scope, rc == NDKERN_OK && ndk_dtype_is_float(out_dtype));
    return rc;
}
