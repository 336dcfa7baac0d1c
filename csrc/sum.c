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
 * Both strategies below, per output ("along") and vectorised across
 * outputs ("across"), and any split across threads, evaluate exactly this
 * expression, so the result never depends on threads or SIMD level.
 * Integer sums wrap modulo 2^64 and are order-free. */
#include <stdlib.h>

#include "internal.h"

#define SUM_MODE_INT 0
#define SUM_MODE_REAL 1
#define SUM_MODE_COMPLEX 2

/* Blocks per task when a single long reduction is split over threads: a
 * chunk is a whole subtree of the cascade (level CHUNK_LEVEL). */
#define CHUNK_LEVEL 10
#define CHUNK_BLOCKS (INT64_C(1) << CHUNK_LEVEL)
/* Most outputs per tile of the "across" strategy: wide tiles read each
 * input row in long runs (4096 float64: 32 KB); the tile's lanes, 16 x 4096
 * doubles = 512 KB, stay in L2.  1024 read 8 KB runs: 1.6x slower. */
#define TILE_MAX 4096
/* Tasks per thread the "across" strategy aims for, so uneven chunks and
 * tiles still balance. */
#define TASKS_PER_THREAD 4
#define CASCADE_LEVELS 64

struct sum_plan {
    const struct ndk_kernels *k;
    int dtype, out_dtype, mode;
    int vpe;                 /* values per element: 2 for complex mode */
    int64_t itemsize;
    char *x, *out;
    /* reduced axes, normalised; the last is the inner one */
    int rdim;
    int64_t rshape[NDKERN_MAX_NDIM], rstrides[NDKERN_MAX_NDIM];
    int64_t rcount;
    /* kept axes of extent > 1 (C order); kin is the one tiled "across" */
    int kdim, kin;
    int64_t kshape[NDKERN_MAX_NDIM], kstrides[NDKERN_MAX_NDIM], ostrides[NDKERN_MAX_NDIM];
    int64_t kcount;
    int64_t elems_per_block;
};

/* ---------------------------------------------------------------- cascade */

struct cascade {
    uint64_t count;                     /* blocks pushed */
    double level[CASCADE_LEVELS][2];
};

/* Adds a pair worth 2^base blocks (count must be a multiple of 2^base). */
static void cascade_push(struct cascade *c, double v0, double v1, int base)
{
    int l = base;
    while ((c->count >> l) & 1) {
        v0 = c->level[l][0] + v0;
        v1 = c->level[l][1] + v1;
        l++;
    }
    c->level[l][0] = v0;
    c->level[l][1] = v1;
    c->count += UINT64_C(1) << base;
}

static void cascade_result(const struct cascade *c, double out[2])
{
    int first = 1;
    out[0] = out[1] = 0.0;
    for (int l = 0; l < CASCADE_LEVELS; l++) {
        if (!((c->count >> l) & 1))
            continue;
        out[0] = first ? c->level[l][0] : c->level[l][0] + out[0];
        out[1] = first ? c->level[l][1] : c->level[l][1] + out[1];
        first = 0;
    }
}

/* Folds 16 lanes to the block's pair: l += l + 8, l + 4, l + 2. */
static void fold_lanes(double lanes[NDK_SUM_LANES], double pair[2])
{
    for (int width = NDK_SUM_LANES / 2; width >= 2; width /= 2)
        for (int l = 0; l < width; l++)
            lanes[l] = lanes[l] + lanes[l + width];
    pair[0] = lanes[0];
    pair[1] = lanes[1];
}

/* ---------------------------------------------------------------- reading */

/* Walks the reduced axes of one output element in logical order. */
struct reader {
    const struct sum_plan *p;
    const char *row;
    int64_t pos;
    int64_t index[NDKERN_MAX_NDIM];
};

/* Advances `index` over `shape` to the next element in C order; returns
 * the bytes the address moves. */
static int64_t next_index(int ndim, const int64_t *shape, const int64_t *strides,
                          int64_t *index)
{
    int64_t move = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        move += strides[d];
        if (++index[d] < shape[d])
            break;
        move -= shape[d] * strides[d];
        index[d] = 0;
    }
    return move;
}

/* The address of reduced element `element` (logical order) from base, and
 * its index along the reduced axes. */
static const char *reduced_seek(const struct sum_plan *p, const char *base, int64_t element,
                                int64_t index[NDKERN_MAX_NDIM])
{
    for (int d = p->rdim - 1; d >= 0; d--) {
        index[d] = element % p->rshape[d];
        element /= p->rshape[d];
        base += index[d] * p->rstrides[d];
    }
    return base;
}

static void reader_seek(struct reader *r, const struct sum_plan *p,
                        const char *base, int64_t element)
{
    const int inner = p->rdim - 1;
    r->p = p;
    r->row = reduced_seek(p, base, element, r->index);
    r->pos = r->index[inner];
    r->row -= r->pos * p->rstrides[inner];
}

/* Converts the next n elements to doubles (REAL, COMPLEX) or integers. */
static void reader_read(struct reader *r, int64_t n, void *dst)
{
    const struct sum_plan *p = r->p;
    const int inner = p->rdim - 1;
    const int64_t inner_n = p->rshape[inner], stride = p->rstrides[inner];
    char *out = dst;
    while (n > 0) {
        int64_t take = inner_n - r->pos < n ? inner_n - r->pos : n;
        const char *src = r->row + r->pos * stride;
        if (p->mode == SUM_MODE_INT)
            p->k->to_int[p->dtype](src, stride, take, (uint64_t *)(void *)out);
        else if (p->mode == SUM_MODE_REAL)
            p->k->to_real[p->dtype](src, stride, take, (double *)(void *)out);
        else
            p->k->to_complex[p->dtype](src, stride, take, (double *)(void *)out);
        out += take * p->vpe * 8;
        n -= take;
        r->pos += take;
        if (r->pos < inner_n)
            break;
        r->pos = 0;
        r->row += next_index(inner, p->rshape, p->rstrides, r->index);
    }
}

/* ------------------------------------------------- "along": per output */

/* Pushes blocks [b0, b1) of the reduction starting at `base` into c. */
static void along_float(const struct sum_plan *p, const char *base, int64_t b0,
                        int64_t b1, struct cascade *c)
{
    const int64_t epb = p->elems_per_block;
    /* Contiguous values already in lane order are summed where they lie:
     * float64/complex128 as they are, float32/complex64 widened. */
    const int contiguous = p->rdim == 1 && p->rstrides[0] == p->itemsize;
    const int same = p->mode == (ndk_dtypes[p->dtype].kind == NDK_KIND_COMPLEX
                                 ? SUM_MODE_COMPLEX : SUM_MODE_REAL);
    const int direct = contiguous && same && ndk_dtypes[p->dtype].kind != NDK_KIND_INT;
    const int wide = p->dtype == NDKERN_FLOAT64 || p->dtype == NDKERN_COMPLEX128;
    double buffer[NDK_SUM_BLOCK];
    struct reader r;
    if (b0 >= b1)
        return;
    if (!direct)
        reader_seek(&r, p, base, b0 * epb);
    for (int64_t b = b0; b < b1; b++) {
        int64_t n = p->rcount - b * epb < epb ? p->rcount - b * epb : epb;
        double lanes[NDK_SUM_LANES] = {0}, pair[2];
        if (direct) {
            (wide ? p->k->sum_lanes : p->k->sum_lanes_f32)(base + b * epb * p->itemsize,
                                                           n * p->vpe, lanes);
        } else {
            reader_read(&r, n, buffer);
            p->k->sum_lanes(buffer, n * p->vpe, lanes);
        }
        fold_lanes(lanes, pair);
        cascade_push(c, pair[0], pair[1], 0);
    }
}

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
        total += p->k->sum_u64(buffer, n);
    }
    return total;
}

#define NDK_STORE_RESULT_INT(name, ctype, scalar) \
    ndk_store_##name(dst, (ctype)(scalar)u)
#define NDK_STORE_RESULT_REAL(name, ctype, scalar) \
    ndk_store_##name(dst, (ctype)(pair[0] + pair[1]))
#define NDK_STORE_RESULT_COMPLEX(name, ctype, scalar) \
    ndk_store_##name(dst, (ctype){(scalar)pair[0], (scalar)pair[1]})
#define NDK_STORE_RESULT(CODE, name, ctype, KIND, scalar, SIGNED) \
    case NDKERN_##CODE:                                           \
        NDK_STORE_RESULT_##KIND(name, ctype, scalar);             \
        break;

/* Stores one result: u for integer modes, else the cascade's pair (REAL
 * output is pair[0] + pair[1]; COMPLEX is (re, im)). */
static void store_result(int out_dtype, char *dst, uint64_t u, const double pair[2])
{
    switch (out_dtype) {
        NDK_FOR_EACH_DTYPE(NDK_STORE_RESULT)
    }
}

/* Writes 0 to every output (all reductions empty). */
static int store_zeros(const struct sum_plan *p)
{
    const double zero[2] = {0.0, 0.0};
    int64_t index[NDKERN_MAX_NDIM] = {0};
    char *dst = p->out;
    for (int64_t j = 0; j < p->kcount; j++) {
        store_result(p->out_dtype, dst, 0, zero);
        dst += next_index(p->kdim, p->kshape, p->ostrides, index);
    }
    return NDKERN_OK;
}

/* The output pointer and input base of the kept flat index j. */
static void kept_position(const struct sum_plan *p, int64_t j, int skip_axis,
                          const char **base, char **dst)
{
    *base = p->x;
    *dst = p->out;
    for (int d = p->kdim - 1; d >= 0; d--) {
        if (d == skip_axis)
            continue;
        int64_t i = j % p->kshape[d];
        j /= p->kshape[d];
        *base += i * p->kstrides[d];
        *dst += i * p->ostrides[d];
    }
}

static void along_output(const struct sum_plan *p, int64_t j)
{
    const char *base;
    char *dst;
    kept_position(p, j, -1, &base, &dst);
    double pair[2] = {0.0, 0.0};
    uint64_t u = 0;
    if (p->mode == SUM_MODE_INT) {
        u = along_int(p, base, 0, p->rcount);
    } else {
        struct cascade c = {0};
        int64_t nblocks = (p->rcount + p->elems_per_block - 1) / p->elems_per_block;
        along_float(p, base, 0, nblocks, &c);
        cascade_result(&c, pair);
    }
    store_result(p->out_dtype, dst, u, pair);
}

/* One task: a range of outputs. */
struct along_job {
    const struct sum_plan *p;
    int64_t per_task;
};

static void along_task(void *ctx, int64_t task, int worker)
{
    const struct along_job *job = ctx;
    (void)worker;
    int64_t j0 = task * job->per_task;
    int64_t j1 = j0 + job->per_task < job->p->kcount ? j0 + job->per_task : job->p->kcount;
    for (int64_t j = j0; j < j1; j++)
        along_output(job->p, j);
}

/* One long reduction split into chunks: chunk results are whole cascade
 * subtrees, merged in order afterwards. */
struct chunk_job {
    const struct sum_plan *p;
    int64_t nblocks;
    double (*pairs)[2];      /* full chunks: their level-CHUNK_LEVEL pair */
    struct cascade *last;    /* the final, possibly partial, chunk */
    uint64_t *ints;          /* integer mode: each chunk's sum */
};

static void chunk_task(void *ctx, int64_t task, int worker)
{
    struct chunk_job *job = ctx;
    const struct sum_plan *p = job->p;
    (void)worker;
    int64_t b0 = task * CHUNK_BLOCKS;
    int64_t b1 = b0 + CHUNK_BLOCKS < job->nblocks ? b0 + CHUNK_BLOCKS : job->nblocks;
    if (p->mode == SUM_MODE_INT) {
        int64_t e0 = b0 * p->elems_per_block, e1 = b1 * p->elems_per_block;
        job->ints[task] = along_int(p, p->x, e0, e1 < p->rcount ? e1 : p->rcount);
        return;
    }
    struct cascade c = {0};
    along_float(p, p->x, b0, b1, &c);
    if (b1 - b0 == CHUNK_BLOCKS) { /* a whole subtree: one pair */
        job->pairs[task][0] = c.level[CHUNK_LEVEL][0];
        job->pairs[task][1] = c.level[CHUNK_LEVEL][1];
    } else {                       /* only the last chunk can be partial */
        *job->last = c;
    }
}

static int sum_single_output_threaded(const struct sum_plan *p, int nthreads)
{
    struct chunk_job job = {p, (p->rcount + p->elems_per_block - 1) / p->elems_per_block,
                            NULL, NULL, NULL};
    int64_t ntasks = (job.nblocks + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS;
    struct cascade last = {0};
    job.last = &last;
    job.pairs = malloc((size_t)ntasks * sizeof *job.pairs);
    job.ints = malloc((size_t)ntasks * sizeof *job.ints);
    if (job.pairs == NULL || job.ints == NULL) {
        free(job.pairs);
        free(job.ints);
        return NDKERN_ENOMEM;
    }
    ndk_parallel_for(nthreads, ntasks, chunk_task, &job);

    double pair[2] = {0.0, 0.0};
    uint64_t u = 0;
    if (p->mode == SUM_MODE_INT) {
        for (int64_t t = 0; t < ntasks; t++)
            u += job.ints[t];
    } else {
        struct cascade c = {0};
        for (int64_t t = 0; t < job.nblocks / CHUNK_BLOCKS; t++)
            cascade_push(&c, job.pairs[t][0], job.pairs[t][1], CHUNK_LEVEL);
        /* A partial last chunk's levels all lie below the full chunks'. */
        for (int l = 0; l < CASCADE_LEVELS; l++)
            if ((last.count >> l) & 1) {
                c.level[l][0] = last.level[l][0];
                c.level[l][1] = last.level[l][1];
            }
        c.count += last.count;
        cascade_result(&c, pair);
    }
    store_result(p->out_dtype, p->out, u, pair);
    free(job.pairs);
    free(job.ints);
    return NDKERN_OK;
}

/* ------------------------------------- "across": vectorised over outputs */

/* Lanes of the "across" buffers: complex values fill 8 lanes of (re, im)
 * pairs, the same arithmetic as 16 value lanes. */
static int across_lanes(int mode)
{
    return mode == SUM_MODE_COMPLEX ? NDK_SUM_LANES / 2 : NDK_SUM_LANES;
}

/* A worker's buffers for `tile` outputs along the kept axis kin (complex:
 * 8 lanes of 2 * tile values, else 16 of tile). */
struct across_space {
    double *lanes[NDK_SUM_LANES];   /* value lanes */
    double *levels;                 /* nlevels rows of 2 * tile: the cascade */
    double *row;                    /* 2 * tile: converted input / block pairs */
    uint64_t *acc, *irow;           /* integer mode: tile each */
};

struct across_job {
    const struct sum_plan *p;
    struct across_space *spaces;   /* one per worker */
    int64_t tile, ntiles;          /* outputs per tile, tiles along kin */
    /* The reduction in nchunks chunks of 2^chunk_level blocks (whole
     * cascade subtrees; only the last may be partial) of chunk_elems. */
    int64_t nchunks, chunk_elems;
    int chunk_level, nlevels;
    double (*pairs)[2];            /* nchunks > 1: each chunk's result per */
    uint64_t *ints;                /* output, at [chunk * kcount + j] */
    void *memory;                  /* one allocation for all of the above */
};

/* The 8-byte words of one worker's space. */
static size_t across_space_words(int64_t tile, int nlevels)
{
    return (size_t)tile * (size_t)(NDK_SUM_LANES + 2 * nlevels + 2 + 2);
}

static void across_space_init(struct across_space *s, double *d, int64_t tile, int vpe,
                              int nlevels)
{
    const size_t width = (size_t)(2 * tile), lane_width = (size_t)(vpe * tile);
    for (int l = 0; l < NDK_SUM_LANES / vpe; l++, d += lane_width)
        s->lanes[l] = d;
    s->levels = d;
    d += (size_t)nlevels * width;
    s->row = d;
    d += width;
    s->acc = (uint64_t *)(void *)d;
    s->irow = s->acc + tile;
}

/* Folds the lanes of a finished block into the cascade of every output,
 * then zeroes them if `clear`.  Real: 16 lanes of `width` outputs; complex:
 * 8 lanes of (re, im) pairs, which is the same arithmetic on the value
 * lanes. */
static void across_push(struct across_space *s, int mode, int64_t width, int64_t tile,
                        uint64_t *count, int clear)
{
    const int nlanes = across_lanes(mode);
    const int last = mode == SUM_MODE_COMPLEX ? 1 : 2;
    const int64_t nvals = mode == SUM_MODE_COMPLEX ? 2 * width : width;
    for (int w = nlanes / 2; w >= last; w /= 2)
        for (int l = 0; l < w; l++)
            for (int64_t t = 0; t < nvals; t++)
                s->lanes[l][t] = s->lanes[l][t] + s->lanes[l + w][t];
    /* The block's pair for output t: (lanes[0][t], lanes[1][t]) when real,
     * (lanes[0][2t], lanes[0][2t + 1]) when complex: stored as row[2t..]. */
    for (int64_t t = 0; t < width; t++) {
        s->row[2 * t] = mode == SUM_MODE_COMPLEX ? s->lanes[0][2 * t] : s->lanes[0][t];
        s->row[2 * t + 1] = mode == SUM_MODE_COMPLEX ? s->lanes[0][2 * t + 1] : s->lanes[1][t];
    }
    int l = 0;
    while ((*count >> l) & 1) {
        const double *level = s->levels + l * 2 * tile;
        for (int64_t t = 0; t < 2 * width; t++)
            s->row[t] = level[t] + s->row[t];
        l++;
    }
    memcpy(s->levels + l * 2 * tile, s->row, (size_t)(2 * width) * sizeof(double));
    *count += 1;
    for (int k = 0; clear && k < nlanes; k++)
        memset(s->lanes[k], 0, (size_t)nvals * sizeof(double));
}

/* Pushes the blocks of elements [e0, e1) of the reduction (e0 starts a
 * block) when the kept axis holds float64 or float32 values contiguously:
 * each block's lanes come from one sum_rows call over its rows. */
static void across_rows(const struct sum_plan *p, struct across_space *s, const char *src,
                        int64_t index[NDKERN_MAX_NDIM], int64_t e0, int64_t e1,
                        int64_t width, int64_t tile, uint64_t *count)
{
    const int nlanes = across_lanes(p->mode);
    const int narrow = p->dtype == NDKERN_FLOAT32 || p->dtype == NDKERN_COMPLEX64;
    const void *rows[NDK_SUM_BLOCK];
    for (int64_t e = e0; e < e1;) {
        const int64_t n = e1 - e < p->elems_per_block ? e1 - e : p->elems_per_block;
        for (int64_t r = 0; r < n; r++) {
            rows[r] = src;
            src += next_index(p->rdim, p->rshape, p->rstrides, index);
        }
        (narrow ? p->k->sum_rows_f32 : p->k->sum_rows)(rows, n, width * p->vpe, nlanes,
                                                        s->lanes);
        across_push(s, p->mode, width, tile, count, 0);
        e += n;
    }
}

/* The same for any other rows: each is converted to doubles (or integers)
 * and added to its lane (or the integer sums s->acc). */
static void across_convert(const struct sum_plan *p, struct across_space *s,
                           const char *src, int64_t index[NDKERN_MAX_NDIM], int64_t e0,
                           int64_t e1, int64_t width, int64_t tile, uint64_t *count)
{
    const int nlanes = across_lanes(p->mode);
    const int64_t kstride = p->kstrides[p->kin], nvals = width * p->vpe;
    for (int k = 0; k < nlanes; k++)
        memset(s->lanes[k], 0, (size_t)nvals * sizeof(double));
    if (p->mode == SUM_MODE_INT)
        memset(s->acc, 0, (size_t)width * sizeof(uint64_t));
    for (int64_t i = e0; i < e1; i++) {
        if (p->mode == SUM_MODE_INT) {
            p->k->to_int[p->dtype](src, kstride, width, s->irow);
            p->k->add_u64(s->acc, s->irow, width);
        } else {
            if (p->mode == SUM_MODE_REAL)
                p->k->to_real[p->dtype](src, kstride, width, s->row);
            else
                p->k->to_complex[p->dtype](src, kstride, width, s->row);
            p->k->add_f64(s->lanes[i % nlanes], s->row, nvals);
            if ((i + 1) % p->elems_per_block == 0 || i + 1 == p->rcount)
                across_push(s, p->mode, width, tile, count, 1);
        }
        src += next_index(p->rdim, p->rshape, p->rstrides, index);
    }
}

static void across_task(void *ctx, int64_t task, int worker)
{
    const struct across_job *job = ctx;
    const struct sum_plan *p = job->p;
    struct across_space *s = &job->spaces[worker];
    const int64_t chunk = task % job->nchunks, tiled = task / job->nchunks;
    const int64_t tile = job->tile, outer = tiled / job->ntiles;
    const int64_t t0 = (tiled % job->ntiles) * tile;
    const int64_t e0 = chunk * job->chunk_elems;
    const int64_t e1 = p->rcount - e0 < job->chunk_elems ? p->rcount : e0 + job->chunk_elems;
    const int64_t width = p->kshape[p->kin] - t0 < tile ? p->kshape[p->kin] - t0 : tile;
    const int64_t kstride = p->kstrides[p->kin];
    /* Rows of float64 or float32 (real or complex as the sum) are read
     * where they lie. */
    const int direct = kstride == p->itemsize &&
        ((p->mode == SUM_MODE_REAL &&
          (p->dtype == NDKERN_FLOAT64 || p->dtype == NDKERN_FLOAT32)) ||
         (p->mode == SUM_MODE_COMPLEX &&
          (p->dtype == NDKERN_COMPLEX128 || p->dtype == NDKERN_COMPLEX64)));

    const char *base;
    char *dst;
    kept_position(p, outer, p->kin, &base, &dst);
    base += t0 * kstride;
    dst += t0 * p->ostrides[p->kin];

    /* Walk the chunk's reduced elements in logical order; element i feeds
     * lane i % nlanes; a block ends every elems_per_block elements. */
    int64_t index[NDKERN_MAX_NDIM];
    const char *src = reduced_seek(p, base, e0, index);
    uint64_t count = 0;
    (direct ? across_rows : across_convert)(p, s, src, index, e0, e1, width, tile, &count);

    /* The tile's (re, im) or pair results, whole rows at a time: the
     * levels the cascade holds, from the lowest, each added on the left. */
    const int64_t j0 = outer * p->kshape[p->kin] + t0;
    double *result = job->nchunks == 1 ? s->row : job->pairs[chunk * p->kcount + j0];
    const size_t bytes = (size_t)(2 * width) * sizeof(double);
    if (p->mode != SUM_MODE_INT) {
        memset(result, 0, bytes);
        for (int l = 0, first = 1; l < job->nlevels; l++) {
            if (!((count >> l) & 1))
                continue;
            const double *level = s->levels + l * 2 * tile;
            if (first)
                memcpy(result, level, bytes);
            else
                for (int64_t t = 0; t < 2 * width; t++)
                    result[t] = level[t] + result[t];
            first = 0;
        }
    }
    if (job->nchunks > 1 && p->mode == SUM_MODE_INT)
        memcpy(job->ints + chunk * p->kcount + j0, s->acc, (size_t)width * sizeof(uint64_t));
    for (int64_t t = 0; job->nchunks == 1 && t < width; t++)
        store_result(p->out_dtype, dst + t * p->ostrides[p->kin],
                     p->mode == SUM_MODE_INT ? s->acc[t] : 0, result + 2 * t);
}

/* Combines the chunks' results of every output in the cascade's order,
 * whole rows of outputs at a time, in place: full chunks are subtrees at
 * chunk_level, so the cascade keeps one subtree per set bit of their count,
 * each a pairwise tree of its chunks; these are added from the right
 * (lowest level) onto a partial last chunk, whose levels all lie below. */
static void across_merge(const struct across_job *job)
{
    const struct sum_plan *p = job->p;
    const int64_t extent = p->kshape[p->kin], outer = p->kcount / extent;
    const int64_t nblocks = (p->rcount + p->elems_per_block - 1) / p->elems_per_block;
    const int64_t full = nblocks >> job->chunk_level, n = 2 * p->kcount;
    double *chunks = &job->pairs[0][0];       /* chunk k's row: n doubles at k * n */
    int64_t result = full < job->nchunks ? full : -1;
    if (p->mode == SUM_MODE_INT) {
        for (int64_t c = 1; c < job->nchunks; c++)
            p->k->add_u64(job->ints, job->ints + c * p->kcount, p->kcount);
        result = 0;
    }
    for (int64_t b = 0, end = full; p->mode != SUM_MODE_INT && (full >> b) != 0; b++) {
        if (!((full >> b) & 1))
            continue;
        const int64_t start = end - (INT64_C(1) << b);
        for (int64_t w = 1; w < (INT64_C(1) << b); w *= 2)
            for (int64_t k = start; k < end; k += 2 * w)
                p->k->add_f64(chunks + k * n, chunks + (k + w) * n, n);
        if (result >= 0)
            p->k->add_f64(chunks + start * n, chunks + result * n, n);
        result = end = start;
    }
    for (int64_t o = 0; o < outer; o++) {
        const char *base;
        char *dst;
        kept_position(p, o, p->kin, &base, &dst);
        for (int64_t t = 0, j = o * extent; t < extent; t++, j++)
            store_result(p->out_dtype, dst + t * p->ostrides[p->kin],
                         p->mode == SUM_MODE_INT ? job->ints[j] : 0,
                         chunks + result * n + 2 * j);
    }
}

/* Tiles along kin times chunks of the reduction, enough tasks for every
 * thread: the reduction is split first (each thread then reads its own
 * rows from start to end, the fastest pattern for memory), the tiles are
 * narrowed only if that is not enough. */
static int sum_across(const struct sum_plan *p, int nthreads)
{
    const int64_t extent = p->kshape[p->kin], outer = p->kcount / extent;
    const int64_t nblocks = (p->rcount + p->elems_per_block - 1) / p->elems_per_block;
    const int64_t wanted = nthreads > 1 ? TASKS_PER_THREAD * nthreads : 1;
    struct across_job job = {p, NULL, extent < TILE_MAX ? extent : TILE_MAX, 0,
                             1, p->rcount, 0, 1, NULL, NULL, NULL};
    while (job.nlevels < CASCADE_LEVELS && (nblocks >> job.nlevels) > 0)
        job.nlevels++;
    job.nlevels++;
    job.ntiles = (extent + job.tile - 1) / job.tile;
    job.chunk_level = job.nlevels - 1;
    while (job.chunk_level > 0 &&
           outer * job.ntiles * (((nblocks - 1) >> job.chunk_level) + 1) < wanted)
        job.chunk_level--;
    job.nchunks = ((nblocks - 1) >> job.chunk_level) + 1;
    if (job.nchunks > 1) {
        job.chunk_elems = (INT64_C(1) << job.chunk_level) * p->elems_per_block;
        job.nlevels = job.chunk_level + 1; /* a chunk's cascade stays below */
    }
    if (outer * job.ntiles * job.nchunks < nthreads) {
        job.tile = ((extent + nthreads - 1) / nthreads + 7) / 8 * 8;
        job.ntiles = (extent + job.tile - 1) / job.tile;
    }
    const int64_t ntasks = job.ntiles * outer * job.nchunks;
    if (nthreads > ntasks)
        nthreads = (int)ntasks;

    /* One block for everything: glibc then reuses it on the next call
     * instead of mapping and zeroing fresh pages (separate blocks of a 2-thread
     * 2048x4096 sum faulted ~390 pages per call, ~20% of its time). */
    const size_t space = across_space_words(job.tile, job.nlevels);
    const size_t results = job.nchunks > 1 ? 2 * (size_t)job.nchunks * (size_t)p->kcount : 0;
    job.spaces = malloc((size_t)nthreads * sizeof *job.spaces);
    job.memory = malloc(((size_t)nthreads * space + results) * sizeof(double));
    if (job.spaces == NULL || job.memory == NULL) {
        free(job.spaces);
        free(job.memory);
        return NDKERN_ENOMEM;
    }
    double *words = job.memory;
    for (int i = 0; i < nthreads; i++)
        across_space_init(&job.spaces[i], words + (size_t)i * space, job.tile, p->vpe,
                          job.nlevels);
    job.pairs = (double(*)[2])(words + (size_t)nthreads * space);
    job.ints = (uint64_t *)(void *)job.pairs;
    ndk_parallel_for(nthreads, ntasks, across_task, &job);
    if (job.nchunks > 1)
        across_merge(&job);
    free(job.spaces);
    free(job.memory);
    return NDKERN_OK;
}

/* ---------------------------------------------------------------- planning */

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* Reduced axes: drop unit axes, order by decreasing |stride|, merge
 * contiguous neighbours. */
static void plan_reduced_axes(struct sum_plan *p, int n, const int64_t *shape,
                              const int64_t *strides)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (shape[i] == 1)
            continue;
        int j = m++;
        while (j > 0 && abs64(p->rstrides[j - 1]) < abs64(strides[i])) {
            p->rshape[j] = p->rshape[j - 1];
            p->rstrides[j] = p->rstrides[j - 1];
            j--;
        }
        p->rshape[j] = shape[i];
        p->rstrides[j] = strides[i];
    }
    int merged = 0;
    for (int i = 0; i < m; i++) {
        if (merged > 0 && p->rstrides[merged - 1] == p->rstrides[i] * p->rshape[i]) {
            p->rshape[merged - 1] *= p->rshape[i];
            p->rstrides[merged - 1] = p->rstrides[i];
            continue;
        }
        p->rshape[merged] = p->rshape[i];
        p->rstrides[merged] = p->rstrides[i];
        merged++;
    }
    if (merged == 0) {
        p->rshape[0] = 1;
        p->rstrides[0] = 0;
        merged = 1;
    }
    p->rdim = merged;
}

NDKERN_API int sum_array(const void *x, const int64_t *x_strides, int ndim,
                         const int64_t *shape, int dtype, int nreduce, void *out,
                         const int64_t *out_strides, int out_dtype)
{
    if (!ndk_dtype_valid(dtype) || !ndk_dtype_valid(out_dtype))
        return NDKERN_EDTYPE;
    if (ndim < 0 || ndim > NDKERN_MAX_NDIM || nreduce < 0 || nreduce > ndim)
        return NDKERN_EINVAL;
    const int nkeep = ndim - nreduce;
    struct ndk_array xa, oa;
    int rc = ndk_array_init(&xa, x, ndim, shape, x_strides, ndk_dtypes[dtype].size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&oa, out, nkeep, shape, out_strides,
                            ndk_dtypes[out_dtype].size, 1);
    if (rc != NDKERN_OK)
        return rc;
    if (oa.count == 0)
        return NDKERN_OK;
    if (ndk_arrays_overlap(&xa, &oa))
        return NDKERN_EOVERLAP;

    struct sum_plan p;
    p.k = ndk_kernels();
    p.dtype = dtype;
    p.out_dtype = out_dtype;
    p.mode = ndk_dtypes[out_dtype].kind == NDK_KIND_INT ? SUM_MODE_INT
           : ndk_dtypes[out_dtype].kind == NDK_KIND_REAL ? SUM_MODE_REAL
           : SUM_MODE_COMPLEX;
    p.vpe = p.mode == SUM_MODE_COMPLEX ? 2 : 1;
    p.itemsize = ndk_dtypes[dtype].size;
    p.elems_per_block = NDK_SUM_BLOCK / p.vpe;
    p.x = xa.data;
    p.out = oa.data;
    p.rcount = 1;
    for (int i = nkeep; i < ndim; i++)
        p.rcount *= shape[i];
    plan_reduced_axes(&p, nreduce, shape + nkeep, x_strides + nkeep);

    /* Kept axes of extent > 1; kin is the one with the smallest input stride. */
    p.kdim = 0;
    p.kin = -1;
    p.kcount = oa.count;
    for (int i = 0; i < nkeep; i++) {
        if (shape[i] == 1)
            continue;
        p.kshape[p.kdim] = shape[i];
        p.kstrides[p.kdim] = x_strides[i];
        p.ostrides[p.kdim] = out_strides[i];
        if (p.kin < 0 || abs64(x_strides[i]) <= abs64(p.kstrides[p.kin]))
            p.kin = p.kdim;
        p.kdim++;
    }

    if (p.rcount == 0) /* every output is an empty sum; x is never touched */
        return store_zeros(&p);

    const int64_t work = p.rcount * p.kcount;
    if (p.kcount == 1) {
        int nthreads = ndk_threads_for(p.rcount, 4 * CHUNK_BLOCKS * p.elems_per_block);
        if (nthreads > 1)
            return sum_single_output_threaded(&p, nthreads);
        along_output(&p, 0);
        return NDKERN_OK;
    }

    const int inner_reduced = p.rdim - 1;
    int across = p.rcount < NDK_SUM_BLOCK ||
                 abs64(p.kstrides[p.kin]) < abs64(p.rstrides[inner_reduced]);
    if (!across) {
        struct along_job job = {&p, 1};
        /* Group outputs so each task has enough work. */
        int64_t per_output = p.rcount > 0 ? p.rcount : 1;
        job.per_task = (INT64_C(1) << 16) / per_output + 1;
        int64_t ntasks = (p.kcount + job.per_task - 1) / job.per_task;
        int nthreads = ndk_threads_for(work, INT64_C(1) << 18);
        ndk_parallel_for(nthreads, ntasks, along_task, &job);
        return NDKERN_OK;
    }

    return sum_across(&p, ndk_threads_for(work, INT64_C(1) << 18));
}
