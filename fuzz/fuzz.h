/*
 * fuzz.h -- what the libFuzzer targets in fuzz/ share: decoding the fuzz
 * input into arguments, strided arrays inside their own heap buffers (so
 * AddressSanitizer sees any access outside them), and the checks against the
 * scalar reference of tests/c/reference.h.
 *
 * Every target follows the same steps:
 *   1. decode shapes, layouts, dtypes and options from the input; element
 *      values come from a PRNG seeded by the input, so inputs stay short;
 *   2. maybe inject one hostile argument (NULL, a bad code, a negative extent,
 *      an overflowing stride or element count) with the status it must give;
 *   3. snapshot every buffer, call the library, and check: the status; on an
 *      error, no byte of any buffer changed; on success, every output element
 *      equals the reference (integers bit for bit, floats within the
 *      documented tolerance, NaN and infinities by class) and no byte outside
 *      the output elements changed (inputs included).
 * A failed check prints what differed and aborts, which libFuzzer reports as
 * a crash and saves the input.
 */
#ifndef NDKERN_FUZZ_H
#define NDKERN_FUZZ_H

#include <fenv.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndkern.h"
#include "reference.h"

#define FZ_MAX_BUFFERS 3

/* ------------------------------------------------------------ the input */

struct fz_input {
    const uint8_t *data;
    size_t size;
};

/* The next n bytes (little-endian, zeros once the input runs out). */
static inline uint64_t fz_bytes(struct fz_input *in, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n && in->size > 0; i++, in->data++, in->size--)
        v |= (uint64_t)in->data[0] << (8 * i);
    return v;
}

static inline unsigned fz_u8(struct fz_input *in)
{
    return (unsigned)fz_bytes(in, 1);
}

/* A number in [0, n), n <= 65536. */
static inline int64_t fz_below(struct fz_input *in, int64_t n)
{
    return n > 1 ? (int64_t)(fz_bytes(in, n > 256 ? 2 : 1) % (uint64_t)n) : 0;
}

/* True with probability about percent / 100. */
static inline int fz_chance(struct fz_input *in, unsigned percent)
{
    return fz_u8(in) * 100u < percent * 256u;
}

/* ------------------------------------------------------------ failures */

static const char *fz_case = "";

#define FZ_CHECK(cond, ...)                                                   \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "\nFUZZ CHECK FAILED %s:%d: %s\n  ", __FILE__,    \
                    __LINE__, #cond);                                         \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "\n  case: %s, simd %s\n", fz_case,               \
                    ndkern_simd_level());                                     \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* ------------------------------------------------------------ values */

/* Element values: a splitmix64 stream seeded from the input. */
static uint64_t fz_rng_state;

static inline uint64_t fz_rng(void)
{
    uint64_t z = (fz_rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

enum fz_style {
    FZ_TINY,      /* -3 .. 3                                                  */
    FZ_SMALL,     /* -128 .. 127: float arithmetic on them is exact            */
    FZ_BOUNDED,   /* integers (bool too): any bits; floats: |v| in 2^-20 .. 2^20 */
    FZ_SPECIAL,   /* bounded, with +-0, +-inf, NaN, subnormals mixed in        */
    FZ_RAW,       /* any bit pattern                                           */
    FZ_NSTYLES
};

static inline double fz_real(enum fz_style style, int component_size)
{
    static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN,
                                     4.9406564584124654e-324, 1.401298464324817e-45,
                                     -1.17549435e-38, DBL_MIN};
    uint64_t r = fz_rng();
    switch (style) {
    case FZ_TINY:
        return (double)((int)(r % 7) - 3);
    case FZ_SMALL:
        return (double)(int8_t)r;
    case FZ_SPECIAL:
        if (r % 8 == 0)
            return special[(r >> 8) % (sizeof special / sizeof special[0])];
        /* fall through */
    default: {
        double mantissa = (double)(r >> 11) * 0x1p-53 * 2 - 1;  /* [-1, 1) */
        return ldexp(mantissa, (int)((r >> 3) % 41) - 20);
    }
    case FZ_RAW:
        if (component_size == 4) {
            uint32_t bits = (uint32_t)r;
            float f;
            memcpy(&f, &bits, 4);
            return f;
        } else {
            double d;
            memcpy(&d, &r, 8);
            return d;
        }
    }
}

static inline void fz_element(unsigned char *p, int dt, enum fz_style style)
{
    if (ref_is_int(dt)) {
        uint64_t v = style == FZ_TINY ? (uint64_t)(int64_t)((int)(fz_rng() % 7) - 3)
                   : style == FZ_SMALL ? (uint64_t)(int64_t)(int8_t)fz_rng()
                   : fz_rng();
        ref_store_int(p, dt, v);
        return;
    }
    int cs = ref_component_size(dt);
    if (cs == 2 && style == FZ_RAW) { /* any float16 pattern: NaN payloads too */
        uint16_t bits = (uint16_t)fz_rng();
        memcpy(p, &bits, 2);
        return;
    }
    for (int part = 0; part < (ref_is_complex(dt) ? 2 : 1); part++)
        ref_store_component(p, dt, part, fz_real(style, cs)); /* rounded once */
}

/* How far float results can be checked.  FZ_EXACT: every value is finite
 * and small enough that no order of the arithmetic overflows;
 * FZ_CLASSES: also infinities and NaNs (a NaN or opposite infinities give
 * NaN in any order, else the infinity); FZ_UNCHECKED: some finite value is
 * so large that an intermediate result may overflow in one order and not in
 * another, so values are not compared (memory safety still is). */
enum fz_numeric { FZ_EXACT, FZ_CLASSES, FZ_UNCHECKED };

static inline enum fz_numeric fz_worse(enum fz_numeric a, enum fz_numeric b)
{
    return a > b ? a : b;
}

/* Classifies one element against `limit` (largest safe magnitude). */
static inline enum fz_numeric fz_classify(const unsigned char *p, int dt, long double limit)
{
    enum fz_numeric worst = FZ_EXACT;
    if (ref_is_int(dt))
        return FZ_EXACT;
    for (int part = 0; part < (ref_is_complex(dt) ? 2 : 1); part++) {
        long double v = ref_load_component(p, dt, part);
        if (!isfinite(v))
            worst = fz_worse(worst, FZ_CLASSES);
        else if (fabsl(v) > limit)
            worst = FZ_UNCHECKED;
    }
    return worst;
}

/* ------------------------------------------------------------ arrays */

/* A strided array inside buffer `buf` of a small set of buffers. */
struct fz_array {
    int ndim;
    int64_t shape[NDKERN_MAX_NDIM];
    int64_t strides[NDKERN_MAX_NDIM];
    int64_t itemsize, count;
    int64_t lo, hi;              /* bytes touched: [data + lo, data + hi) */
    int buf;                     /* index into the fz_buffers, or -1: none */
    unsigned char *data;
};

struct fz_buffer {
    unsigned char *mem, *snapshot, *written;
    size_t size;
};

struct fz_world {
    struct fz_buffer b[FZ_MAX_BUFFERS];
    int n;
};

/* Shape of `ndim` axes, each 0 .. max_side, element count at most `cap`
 * (an axis that would pass it gets extent 1). */
static inline void fz_shape(struct fz_input *in, int ndim, int64_t *shape, int64_t max_side,
                     int64_t cap)
{
    int64_t count = 1;
    for (int i = 0; i < ndim; i++) {
        int64_t n = fz_below(in, max_side + 1);
        if (n > 0 && count * n > cap)
            n = 1;
        shape[i] = n;
        count *= n > 0 ? n : 1;
    }
}

static inline int64_t fz_count(int ndim, const int64_t *shape)
{
    int64_t count = 1;
    for (int i = 0; i < ndim; i++)
        count *= shape[i];
    return count;
}

/* Byte strides for `shape`: axes nested in a random order with random
 * padding (which makes strides that are not multiples of the item size),
 * each axis maybe reversed.  Inputs (`is_input`) may also get zero strides
 * and arbitrary small strides whose elements overlap; outputs never share a
 * byte between two elements. */
static inline void fz_layout(struct fz_input *in, struct fz_array *a, int ndim,
                      const int64_t *shape, int64_t itemsize, int is_input)
{
    int order[NDKERN_MAX_NDIM];
    unsigned flags = fz_u8(in);
    a->ndim = ndim;
    a->itemsize = itemsize;
    a->count = fz_count(ndim, shape);
    for (int i = 0; i < ndim; i++) {
        a->shape[i] = shape[i];
        order[i] = i;
    }
    if (flags & 1) /* a permuted (transposed) nesting order */
        for (int i = ndim - 1; i > 0; i--) {
            int j = (int)fz_below(in, i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    int64_t pitch = itemsize + ((flags & 2) ? (int64_t)fz_below(in, 4) : 0);
    for (int k = ndim - 1; k >= 0; k--) {
        int axis = order[k];
        int64_t stride = pitch;
        if ((flags & 4) && fz_chance(in, 40))
            stride = -stride;
        if (is_input && (flags & 8) && fz_chance(in, 30))
            stride = 0;
        else if (is_input && (flags & 16) && fz_chance(in, 25))
            stride = (int64_t)(int8_t)fz_u8(in);
        a->strides[axis] = stride;
        pitch = pitch * (shape[axis] > 0 ? shape[axis] : 1) +
                ((flags & 32) ? (int64_t)fz_below(in, 3 * itemsize) : 0);
    }
    a->lo = a->hi = 0;
    if (a->count > 0) {
        for (int i = 0; i < ndim; i++) {
            int64_t offset = (shape[i] - 1) * a->strides[i];
            if (offset < 0)
                a->lo += offset;
            else
                a->hi += offset;
        }
        a->hi += itemsize;
    }
    a->buf = -1;
    a->data = NULL;
}

/* A new buffer holding the arrays a[0 .. n-1]: each is placed at a random
 * byte offset; with `overlap`, the later ones are placed so that their
 * touched bytes intersect those of a[0] (the library must detect it). */
static inline void fz_place(struct fz_input *in, struct fz_world *w, struct fz_array **a, int n,
                     int overlap)
{
    int64_t start[FZ_MAX_BUFFERS], end = 0;
    for (int i = 0; i < n; i++) {
        int64_t span = a[i]->hi - a[i]->lo;
        start[i] = i == 0 || !overlap ? end + (int64_t)fz_below(in, 16)
                 : start[0] + (int64_t)fz_below(in, a[0]->hi - a[0]->lo + span) - span + 1;
        if (start[i] < 0)
            start[i] = 0;
        if (start[i] + span > end)
            end = start[i] + span;
    }
    struct fz_buffer *b = &w->b[w->n];
    b->size = (size_t)end + (size_t)fz_below(in, 8);
    b->mem = malloc(b->size > 0 ? b->size : 1);
    b->snapshot = malloc(b->size > 0 ? b->size : 1);
    b->written = calloc(b->size > 0 ? b->size : 1, 1);
    if (b->mem == NULL || b->snapshot == NULL || b->written == NULL)
        abort();
    for (size_t i = 0; i < b->size; i += 8) { /* filler, so stray writes show */
        uint64_t r = fz_rng();
        memcpy(b->mem + i, &r, b->size - i < 8 ? b->size - i : 8);
    }
    for (int i = 0; i < n; i++) {
        a[i]->buf = w->n;
        a[i]->data = b->mem + start[i] - a[i]->lo;
    }
    w->n++;
}

/* The element at `index`. */
static inline unsigned char *fz_at(const struct fz_array *a, const int64_t *index)
{
    int64_t off = 0;
    for (int i = 0; i < a->ndim; i++)
        off += index[i] * a->strides[i];
    return a->data + off;
}

/* Writes values of `style` into every element; returns the numeric class of
 * the array as the library will read it (after overlapping writes). */
static inline enum fz_numeric fz_fill(struct fz_array *a, int dt, enum fz_style style,
                               long double limit)
{
    int64_t index[NDKERN_MAX_NDIM] = {0};
    enum fz_numeric worst = FZ_EXACT;
    if (a->count == 0)
        return worst;
    do
        fz_element(fz_at(a, index), dt, style);
    while (ref_next_index(a->ndim, a->shape, index));
    do
        worst = fz_worse(worst, fz_classify(fz_at(a, index), dt, limit));
    while (ref_next_index(a->ndim, a->shape, index));
    return worst;
}

/* Where `p` (inside buffer `buf`) is in that buffer's snapshot. */
static inline const unsigned char *fz_in_snapshot(const struct fz_world *w, int buf,
                                           const unsigned char *p)
{
    return w->b[buf].snapshot + (p - w->b[buf].mem);
}

static inline void fz_snapshot(struct fz_world *w)
{
    for (int i = 0; i < w->n; i++)
        memcpy(w->b[i].snapshot, w->b[i].mem, w->b[i].size);
}

/* Marks the bytes of every element of `a` as written by the call. */
static inline void fz_mark_written(struct fz_world *w, const struct fz_array *a)
{
    int64_t index[NDKERN_MAX_NDIM] = {0};
    if (a->count == 0)
        return;
    struct fz_buffer *b = &w->b[a->buf];
    do
        memset(b->written + (fz_at(a, index) - b->mem), 1, (size_t)a->itemsize);
    while (ref_next_index(a->ndim, a->shape, index));
}

/* Every byte not marked written still holds its snapshot value (compared
 * in blocks: byte by byte only where a block differs). */
static inline void fz_check_untouched(const struct fz_world *w, const char *when)
{
    const size_t block = 256;
    for (int i = 0; i < w->n; i++) {
        const struct fz_buffer *b = &w->b[i];
        for (size_t start = 0; start < b->size; start += block) {
            size_t n = b->size - start < block ? b->size - start : block;
            if (memcmp(b->mem + start, b->snapshot + start, n) == 0)
                continue;
            for (size_t k = start; k < start + n; k++)
                FZ_CHECK(b->written[k] || b->mem[k] == b->snapshot[k],
                         "%s: byte %zu of buffer %d (size %zu) changed from 0x%02x to 0x%02x",
                         when, k, i, b->size, b->snapshot[k], b->mem[k]);
        }
    }
}

static inline void fz_free(struct fz_world *w)
{
    for (int i = 0; i < w->n; i++) {
        free(w->b[i].mem);
        free(w->b[i].snapshot);
        free(w->b[i].written);
    }
    w->n = 0;
}

/* Whether the touched bytes of two non-empty arrays intersect. */
static inline int fz_ranges_meet(const struct fz_array *a, const struct fz_array *b)
{
    if (a->count == 0 || b->count == 0 || a->buf != b->buf)
        return 0;
    return a->data + a->lo < b->data + b->hi && b->data + b->lo < a->data + a->hi;
}

/* ------------------------------------------------------------ comparing */

static inline void fz_format(char *buf, size_t size, int dt, const unsigned char *p)
{
    if (ref_is_int(dt))
        snprintf(buf, size, "0x%" PRIx64, ref_load_int(p, dt) & ref_int_mask(dt));
    else if (ref_component_size(dt) == 2)
        snprintf(buf, size, "%.17Lg (0x%04x)", ref_load_component(p, dt, 0),
                 (unsigned)ref_load_int(p, NDKERN_UINT16));
    else if (ref_is_complex(dt))
        snprintf(buf, size, "(%.17Lg, %.17Lg)", ref_load_component(p, dt, 0),
                 ref_load_component(p, dt, 1));
    else
        snprintf(buf, size, "%.17Lg", ref_load_component(p, dt, 0));
}

/* Component `part` of float result `got` against the exact value `want`
 * (long double; NaN and infinities as the class the result must have).
 * `limit` is the largest finite value of the component type. */
static inline int fz_component_ok(long double got, long double want, long double tol,
                           long double limit)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return isinf(got) && signbit(got) == signbit(want);
    if (isnan(got))
        return 0;
    if (isinf(got)) /* the exact value rounds past the largest finite one */
        return fabsl(want) + tol >= limit && signbit(got) == signbit(want);
    return fabsl(got - want) <= tol;
}

/* Whether element `got` of dtype dt matches reference value `want`:
 * integers bit for bit, floats within `tol` (values of an FZ_UNCHECKED
 * call are not compared). */
static inline int fz_value_ok(int dt, const unsigned char *got, const struct ref_value *want,
                              long double tol, enum fz_numeric numeric)
{
    if (want->unspecified)
        return 1;
    if (ref_is_int(dt))
        return (ref_load_int(got, dt) & ref_int_mask(dt)) == want->bits;
    if (numeric == FZ_UNCHECKED)
        return 1;
    long double limit = ref_component_max(dt);
    for (int part = 0; part < (ref_is_complex(dt) ? 2 : 1); part++)
        if (!fz_component_ok(ref_load_component(got, dt, part), part ? want->im : want->re,
                             tol, limit))
            return 0;
    return 1;
}

/* Fails with both values when fz_value_ok does not hold; `what` is a
 * printf format and its arguments, evaluated only then. */
#define FZ_CHECK_VALUE(dt, got, want, tol, numeric, ...)                          \
    do {                                                                          \
        if (!fz_value_ok(dt, got, want, tol, numeric)) {                          \
            char got_text_[128];                                                  \
            fz_format(got_text_, sizeof got_text_, dt, got);                      \
            fprintf(stderr, "\nFUZZ VALUE MISMATCH: ");                           \
            fprintf(stderr, __VA_ARGS__);                                         \
            FZ_CHECK(0, "got %s, want bits 0x%" PRIx64 " / (%.17Lg, %.17Lg) "        \
                     "within %.3Lg", got_text_, (want)->bits, (want)->re,           \
                     (want)->im, (long double)(tol));                             \
        }                                                                         \
    } while (0)

/* ------------------------------------------------------------ statuses */

/* Expectations: one status, or any error (FZ_ANY_ERROR), or either OK or
 * one error (accept_ok). */
#define FZ_ANY_ERROR 1

struct fz_expect {
    int status;          /* NDKERN_OK, an NDKERN_E* code or FZ_ANY_ERROR */
    int accept_ok;       /* OK is acceptable too */
};

/* FZ_ANY_ERROR accepts any documented error code. */
static inline int fz_status_ok(struct fz_expect e, int rc)
{
    if (rc == e.status || (e.accept_ok && rc == NDKERN_OK))
        return 1;
    return e.status == FZ_ANY_ERROR && rc < 0 &&
           strcmp(ndkern_status_name(rc), "NDKERN_UNKNOWN") != 0;
}

/* The status against the expectation; `hostile` is the enum fz_hostility
 * (or a target's own kind) injected, or -1; the printf-style rest describes
 * the call in the failure message. */
#define FZ_CHECK_STATUS(expect, rc, hostile, ...)                                      \
    do {                                                                              \
        if (!fz_status_ok((expect), (rc))) {                                          \
            fprintf(stderr, "\nFUZZ STATUS MISMATCH: ");                              \
            fprintf(stderr, __VA_ARGS__);                                             \
            FZ_CHECK(0, "status %d %s, expected %s%s (hostile case %d)", (rc),         \
                     ndkern_status_name(rc),                                          \
                     (expect).status == FZ_ANY_ERROR ? "any error"                    \
                                                     : ndkern_status_name((expect).status), \
                     (expect).accept_ok ? " or OK" : "", (hostile));                  \
        }                                                                             \
    } while (0)

/* ------------------------------------------------------------ hostility */

/* Sets one hostile entry in a copy of shape/strides that the library must
 * reject before touching memory: EOVERFLOW for an element count or byte
 * span past 2^63 or an address range that wraps below zero.  Needs ndim >= 2
 * and the array's element pointer; returns the expected status. */
static inline int fz_overflowing_layout(struct fz_input *in, int ndim, int64_t *shape,
                                 int64_t *strides, int64_t itemsize)
{
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 0)
            shape[i] = 1; /* an empty array touches nothing: no error due */
    }
    int axis = (int)fz_below(in, ndim), other = (axis + 1) % ndim;
    switch (fz_below(in, 5)) {
    case 0: /* element count past 2^63 */
        shape[axis] = INT64_C(1) << 32;
        shape[other] = INT64_C(1) << 32;
        break;
    case 1: /* (extent - 1) * stride overflows */
        shape[axis] = 3;
        strides[axis] = INT64_C(1) << 62;
        break;
    case 2: /* two axes whose byte offsets add past 2^63 */
        shape[axis] = shape[other] = 2;
        strides[axis] = strides[other] = INT64_C(1) << 62;
        break;
    case 3: /* the last element's end passes 2^63 */
        shape[axis] = 2;
        strides[axis] = INT64_MAX - (itemsize - 1);
        break;
    default: /* the lowest address wraps below zero (user pointers < 2^62) */
        shape[axis] = 2;
        strides[axis] = -(INT64_C(1) << 62);
        break;
    }
    return NDKERN_EOVERFLOW;
}

#define FZ_COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

/* Dtype codes outside the enum (the last is NDKERN_FLOAT16), and ndim values
 * outside 0 .. NDKERN_MAX_NDIM.  fuzz_square and fuzz_sum draw all the
 * reference's REF_NDTYPES_ALL dtypes (bool and float16 included); the
 * convolution targets the REF_NDTYPES others. */
static const int fz_bad_dtypes[] = {-1, NDKERN_FLOAT16 + 1, NDKERN_FLOAT16 + 2, 255, -128,
                                    INT32_MAX, INT32_MIN};
/* For the convolution functions also the dtypes they do not compute. */
static const int fz_bad_conv_dtypes[] = {-1, NDKERN_BOOL, NDKERN_FLOAT16, NDKERN_FLOAT16 + 1,
                                         255, INT32_MAX, INT32_MIN};
static const int fz_bad_ndims[] = {-1, NDKERN_MAX_NDIM + 1, INT32_MIN, INT32_MAX};

/*
 * The arguments of one call, as the target will pass them, so that
 * fz_spoil can make one of them hostile.  Each array argument points to the
 * target's own variables: its data pointer, its shape (heap, exactly ndim
 * extents; NULL when the call has no shape argument that describes it) and
 * its strides (heap, exactly ndim; the variable may hold NULL where the call
 * allows it).  Arrays may share one shape variable.
 */
struct fz_arg_array {
    const struct fz_array *array;
    void **data;
    int64_t **shape;
    int64_t **strides;
};

/* An integer argument, its wrong values and the status a wrong one gives. */
struct fz_arg_code {
    int *value;
    const int *bad;
    int nbad;
    struct fz_expect expect;
};

#define FZ_MAX_CODES 4

struct fz_call {
    struct fz_arg_array arrays[FZ_MAX_BUFFERS];
    int narrays;
    int output;                 /* index of the output in arrays */
    struct fz_arg_code codes[FZ_MAX_CODES];
    int ncodes;
    int valid;                  /* the arguments are right: each error is certain */
};

/* A heap copy of n extents or strides, of exactly n entries (at least one),
 * so that AddressSanitizer catches a read past them. */
static inline int64_t *fz_heap_copy(const int64_t *values, int n)
{
    int64_t *copy = malloc((size_t)(n > 0 ? n : 1) * sizeof *copy);
    if (copy == NULL)
        abort();
    memcpy(copy, values, (size_t)n * sizeof *copy);
    return copy;
}

/* Frees the shape and strides variables of the call (each once). */
static inline void fz_call_free(const struct fz_call *call)
{
    for (int i = 0; i < call->narrays; i++) {
        const struct fz_arg_array *a = &call->arrays[i];
        if (a->shape != NULL) {
            free(*a->shape);
            *a->shape = NULL;
        }
        free(*a->strides);
        *a->strides = NULL;
    }
}

/* The kinds of hostile argument fz_spoil injects. */
enum fz_hostility {
    FZ_NULL_DATA,        /* a NULL data pointer (an error only with elements) */
    FZ_BAD_CODE,         /* a dtype, ndim, nreduce, mode ... out of range      */
    FZ_NEGATIVE_EXTENT,  /* -1 or INT64_MIN in a shape                         */
    FZ_ZERO_OUT_STRIDE,  /* output stride 0 on an axis of extent > 1           */
    FZ_OVERFLOW,         /* an overflowing element count or byte span          */
    FZ_NULL_SHAPE,       /* a NULL shape array with ndim > 0                   */
    FZ_NULL_STRIDES,     /* a NULL strides array with ndim > 0                 */
    FZ_HOSTILITIES
};

/* Sets a zero stride on the first output axis of extent > 1. */
static inline int fz_zero_out_stride(const struct fz_call *call)
{
    const struct fz_arg_array *out = &call->arrays[call->output];
    if (out->array->count == 0 || *out->strides == NULL)
        return 0;
    for (int i = 0; i < out->array->ndim; i++)
        if (out->array->shape[i] > 1) {
            (*out->strides)[i] = 0;
            return 1;
        }
    return 0;
}

/* Frees and NULLs one shape or strides argument of an array with axes. */
static inline int fz_null_argument(int64_t **argument, int ndim)
{
    if (argument == NULL || *argument == NULL || ndim == 0)
        return 0;
    free(*argument);
    *argument = NULL;
    return 1;
}

/*
 * Makes one argument of `call` hostile as `kind` says (the array or code
 * chosen by the input) and sets *expect to what the library must return.
 * When the call was otherwise wrong (call->valid == 0) only "an error" is
 * certain, except for a bad code's own expectation.  Returns `kind`, or -1
 * (nothing changed) when the call has no argument that kind applies to.
 */
static inline int fz_spoil(struct fz_input *in, const struct fz_call *call, int kind,
                           struct fz_expect *expect)
{
    const struct fz_arg_array *a = &call->arrays[fz_below(in, call->narrays)];
    const int ndim = a->array->ndim;
    const struct fz_expect fault = {call->valid ? NDKERN_EINVAL : FZ_ANY_ERROR, 0};
    int applies = 1;
    switch (kind) {
    case FZ_NULL_DATA:
        *a->data = NULL;
        if (a->array->count == 0)
            return kind;   /* no elements: a NULL pointer is allowed */
        break;
    case FZ_BAD_CODE: {
        const struct fz_arg_code *code = &call->codes[fz_below(in, call->ncodes)];
        *code->value = code->bad[fz_below(in, code->nbad)];
        *expect = code->expect;
        return kind;
    }
    case FZ_NEGATIVE_EXTENT:
        applies = a->shape != NULL && ndim > 0;
        if (applies)
            (*a->shape)[fz_below(in, ndim)] = fz_chance(in, 50) ? -1 : INT64_MIN;
        break;
    case FZ_ZERO_OUT_STRIDE:
        applies = fz_zero_out_stride(call);
        break;
    case FZ_OVERFLOW:
        if (a->shape == NULL || *a->shape == NULL || *a->strides == NULL || ndim < 2)
            return -1;
        expect->status = fz_overflowing_layout(in, ndim, *a->shape, *a->strides,
                                               a->array->itemsize);
        expect->status = call->valid ? expect->status : FZ_ANY_ERROR;
        expect->accept_ok = 0;
        return kind;
    case FZ_NULL_SHAPE:
        applies = fz_null_argument(a->shape, ndim);
        break;
    default:
        applies = fz_null_argument(a->strides, ndim);
        break;
    }
    if (!applies)
        return -1;
    *expect = fault;
    return kind;
}

/* For 12% of the inputs, one hostile argument of any kind (fz_spoil). */
static inline int fz_maybe_spoil(struct fz_input *in, const struct fz_call *call,
                                 struct fz_expect *expect)
{
    if (!fz_chance(in, 12))
        return -1;
    return fz_spoil(in, call, (int)fz_below(in, FZ_HOSTILITIES), expect);
}

/* ------------------------------------------------------- convolutions */

/* What a correct convolution returns for f, g and the output h whose
 * shapes say `base` (ref_conv2d_shape's NDKERN_OK, error or REF_UNDEFINED),
 * overlap of h with an input considered; where two errors apply, the
 * header does not say which wins. */
static inline struct fz_expect fz_conv_expect(const struct fz_array *f, const struct fz_array *g,
                                              const struct fz_array *h, int base)
{
    const int overlap = h->count > 0 && (fz_ranges_meet(h, f) || fz_ranges_meet(h, g));
    if (base == REF_UNDEFINED)
        return (struct fz_expect){overlap ? FZ_ANY_ERROR : NDKERN_ESHAPE, 1};
    if (base == NDKERN_OK && overlap)
        return (struct fz_expect){NDKERN_EOVERLAP, 1}; /* OK only if disjoint in fact */
    if (overlap)
        return (struct fz_expect){FZ_ANY_ERROR, 0};
    return (struct fz_expect){base, 0};
}

/* Mode and boundary codes out of range. */
static const int fz_bad_conv_codes[] = {-1, 3, 4, INT32_MIN, INT32_MAX};

/*
 * Fills `call` for a convolution of arrays f, g, h (h the output): each
 * array's data pointer in ptr[i], heap copies of its shape and strides
 * (exactly ndim entries) in shape[i] and strides[i], and the dtype, mode
 * and boundary variables as its codes.  `valid`: the arguments are right.
 */
static inline void fz_conv_call(struct fz_call *call, struct fz_array *const arrays[3],
                                void *ptr[3], int64_t *shape[3], int64_t *strides[3],
                                int *dtype, int *mode, int *boundary, int valid)
{
    const struct fz_expect fault = {valid ? NDKERN_EINVAL : FZ_ANY_ERROR, 0};
    *call = (struct fz_call){
        .narrays = 3,
        .output = 2,
        /* The dtype is checked first: its error is certain in any call. */
        .codes = {{.value = dtype, .bad = fz_bad_conv_dtypes, .nbad = FZ_COUNT(fz_bad_conv_dtypes),
                   .expect = {NDKERN_EDTYPE, 0}},
                  {.value = mode, .bad = fz_bad_conv_codes,
                   .nbad = FZ_COUNT(fz_bad_conv_codes), .expect = fault},
                  {.value = boundary, .bad = fz_bad_conv_codes,
                   .nbad = FZ_COUNT(fz_bad_conv_codes), .expect = fault}},
        .ncodes = 3,
        .valid = valid,
    };
    for (int i = 0; i < 3; i++) {
        shape[i] = fz_heap_copy(arrays[i]->shape, arrays[i]->ndim);
        strides[i] = fz_heap_copy(arrays[i]->strides, arrays[i]->ndim);
        ptr[i] = arrays[i]->data;
        call->arrays[i] = (struct fz_arg_array){.array = arrays[i], .data = &ptr[i],
                                                .shape = &shape[i], .strides = &strides[i]};
    }
}

/* ------------------------------------------------------------ set-up */

/* Per input: the thread count (1..4; results must not depend on it). */
/* ------------------------------------------------------ fp exceptions */

#define FZ_FE_REPORTED (FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID)

/* Gives the caller a random set of the reported exception flags just
 * before a call: the library must leave them as they are.  Returns it.
 * Drawn from the value stream, so the input's bytes keep their meaning. */
static inline int fz_set_caller_flags(void)
{
    static const int choices[] = {0, FE_OVERFLOW, FE_INVALID | FE_UNDERFLOW, FZ_FE_REPORTED};
    const int flags = choices[fz_rng() % FZ_COUNT(choices)];
    feclearexcept(FE_ALL_EXCEPT);
    feraiseexcept(flags);
    return flags;
}

/* Right after a square_array or sum_array call (before the checks' own
 * arithmetic): ndkern_fp_exceptions holds only what the call's arithmetic
 * can raise (nothing after an error or for integer results, never
 * divide-by-zero), and the caller's flags are as they were. */
static inline void fz_check_fp(int caller_flags, int rc, int float_result)
{
    const int got = ndkern_fp_exceptions();
    const int possible = rc == NDKERN_OK && float_result
        ? NDKERN_FP_OVERFLOW | NDKERN_FP_UNDERFLOW | NDKERN_FP_INVALID : 0;
    const int caller_now = fetestexcept(FZ_FE_REPORTED);
    FZ_CHECK((got & ~possible) == 0, "ndkern_fp_exceptions() %d, possible %d", got, possible);
    FZ_CHECK(caller_now == caller_flags, "caller's flags %#x, were %#x", (unsigned)caller_now,
             (unsigned)caller_flags);
}

static inline void fz_begin(struct fz_input *in)
{
    ndkern_set_num_threads(1 + (int)fz_below(in, 4));
    fz_rng_state = fz_bytes(in, 4);
}

/* Once per process: NDKERN_SIMD=baseline and =avx2 must cap the level
 * (fuzz/run.sh checks the level printed here for avx2 and avx512, which a
 * CPU may lack). */
static inline void fz_check_level(void)
{
    const char *want = getenv("NDKERN_SIMD");
    const char *got = ndkern_simd_level();
    if (want != NULL && ((strcmp(want, "baseline") == 0 && strcmp(got, "baseline") != 0) ||
                         (strcmp(want, "avx2") == 0 && strcmp(got, "avx512") == 0))) {
        fprintf(stderr, "NDKERN_SIMD=%s but the library runs %s\n", want, got);
        abort();
    }
    fprintf(stderr, "ndkern fuzz: simd level %s\n", got);
}

/* libFuzzer's entry points; each target (one per binary, each including
 * this header once) defines LLVMFuzzerTestOneInput. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_check_level();
    return 0;
}

#endif /* NDKERN_FUZZ_H */
