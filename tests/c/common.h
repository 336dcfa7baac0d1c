/*
 * common.h -- what the ndkern test programs share beyond the generic
 * harness: random element values per dtype, and comparison of library
 * results with reference values.
 */
#ifndef NDKERN_TEST_COMMON_H
#define NDKERN_TEST_COMMON_H

#include "harness.h"     /* first: it sets the POSIX feature level */
#include "reference.h"

#include <float.h>
#include <math.h>

/* How random element values are drawn. */
enum value_style {
    VS_FULL,     /* integers: any bit pattern; floats: wide magnitudes        */
    VS_SMALL,    /* small integers, floats in [-2, 2]                         */
    VS_SPECIAL,  /* floats: +-0, inf, nan, subnormals, overflow mixed in      */
    VS_RANGE     /* floats uniform in [lo, hi] (float -> integer casts)       */
};

struct value_gen {
    enum value_style style;
    double lo, hi;        /* VS_RANGE: real parts                              */
};

static const double special_values[] = {
    0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, NAN, -NAN, DBL_MIN, -DBL_MIN,
    4.9406564584124654e-324, 1.401298464324817e-45, -1.17549435e-38,
    3.4028234663852886e+38, 1.8446744073709552e19, 1e300, -1e-300, 0.5, 65535.0,
};

static inline double random_real(const struct value_gen *gen, int component_size)
{
    int max_exp = component_size == 4 ? 70 : 520;
    switch (gen->style) {
    case VS_SMALL:
        return rng_unit() * 4 - 2;
    case VS_RANGE:
        return gen->lo + rng_unit() * (gen->hi - gen->lo);
    case VS_SPECIAL:
        if (rng_chance(30))
            return special_values[rng_below(sizeof special_values / sizeof special_values[0])];
        return (rng_unit() * 2 - 1) * ldexp(1, (int)rng_range(-max_exp - 40, max_exp));
    default:
        return (rng_unit() * 2 - 1) * ldexp(1, (int)rng_range(-30, 30));
    }
}

static inline void random_element(void *p, int dt, const struct value_gen *gen)
{
    if (ref_is_int(dt)) {
        uint64_t v = rng_u64();
        if (gen->style == VS_SMALL)
            v = (uint64_t)rng_range(-9, 9);
        else if (rng_chance(10))
            v = (uint64_t)rng_range(-3, 3);   /* near zero and the wrap point */
        ref_store_int(p, dt, v);
    } else {
        int cs = ref_component_size(dt);
        ref_store_component(p, dt, 0, random_real(gen, cs));
        if (ref_is_complex(dt)) {
            struct value_gen imag = *gen;
            if (imag.style == VS_RANGE)
                imag.style = VS_FULL;      /* only the real part is cast to int */
            ref_store_component(p, dt, 1, random_real(&imag, cs));
        }
    }
}

/* Random values in every element (broadcast elements get the last one). */
static inline void fill_array(harness_array *a, int dt, const struct value_gen *gen)
{
    int64_t index[HARNESS_MAX_NDIM] = {0};
    if (a->nelem == 0)
        return;
    do
        random_element(harness_array_at(a, index), dt, gen);
    while (ref_next_index(a->ndim, a->shape, index));
}

static inline const char *dtype_name(int dt)
{
    return dt >= 0 && dt < REF_NDTYPES ? ref_dtypes[dt].name : "(bad dtype)";
}

/* Bit-exact equality of two elements, except that any NaN equals any NaN
 * (NaN payloads are not specified). */
static inline int same_element(int dt, const void *got, const void *want)
{
    if (ref_is_int(dt))
        return memcmp(got, want, (size_t)ref_dtypes[dt].size) == 0;
    for (int part = 0; part < (ref_is_complex(dt) ? 2 : 1); part++) {
        long double g = ref_load_component(got, dt, part);
        long double w = ref_load_component(want, dt, part);
        int cs = ref_component_size(dt);
        if (isnan(g) && isnan(w))
            continue;
        if (memcmp((const char *)got + part * cs, (const char *)want + part * cs,
                   (size_t)cs) != 0)
            return 0;
    }
    return 1;
}

static inline void format_element(char *buf, size_t size, int dt, const void *p)
{
    if (ref_is_int(dt)) {
        uint64_t v = ref_load_int(p, dt);
        if (ref_dtypes[dt].kind == REF_SIGNED)
            snprintf(buf, size, "%" PRId64, (int64_t)v);
        else
            snprintf(buf, size, "%" PRIu64, v);
    } else if (ref_is_complex(dt)) {
        snprintf(buf, size, "(%.17Lg, %.17Lg)", ref_load_component(p, dt, 0),
                 ref_load_component(p, dt, 1));
    } else {
        snprintf(buf, size, "%.17Lg", ref_load_component(p, dt, 0));
    }
}

/*
 * Whether the library's element `got` (of dtype dt) matches the reference
 * value: integers bit for bit, floats within `tol` per component.  On a
 * mismatch writes the two values to `why`.
 */
static inline int value_matches(int dt, const void *got, const struct ref_value *want,
                                long double tol, char *why, size_t size)
{
    char text[128];
    if (want->unspecified)
        return 1;
    if (ref_is_int(dt)) {
        uint64_t g = ref_load_int(got, dt) & ref_int_mask(dt);
        if (g == want->bits)
            return 1;
        format_element(text, sizeof text, dt, got);
        snprintf(why, size, "got %s, want bits 0x%" PRIx64, text, want->bits);
        return 0;
    }
    for (int part = 0; part < (ref_is_complex(dt) ? 2 : 1); part++) {
        long double g = ref_load_component(got, dt, part);
        long double w = part ? want->im : want->re;
        if (isnan(g) || fabsl(g - w) > tol) {
            format_element(text, sizeof text, dt, got);
            snprintf(why, size, "got %s, want (%.17Lg, %.17Lg) within %.3Lg "
                     "(error %.3Lg = %.3Lg x tolerance)", text, want->re, want->im,
                     tol, fabsl(g - w), tol > 0 ? fabsl(g - w) / tol : INFINITY);
            return 0;
        }
    }
    return 1;
}

/* Whether two arrays of the same shape hold the same bytes in every element. */
static inline int same_elements(const harness_array *a, const harness_array *b)
{
    int64_t index[HARNESS_MAX_NDIM] = {0};
    if (a->nelem == 0)
        return 1;
    do
        if (memcmp(harness_array_at(a, index), harness_array_at(b, index), a->elsize) != 0)
            return 0;
    while (ref_next_index(a->ndim, a->shape, index));
    return 1;
}

/* How random_shape draws an extent: 6% are 0, then `percent_one` % are 1,
 * up to 85% are 2..7, and the rest are 8..longest. */
struct extent_odds {
    int percent_one;
    int64_t longest;
};

/* Random extents for shape[0 .. ndim-1], halving the largest until there are
 * at most max_elems elements; returns ndim. */
static inline int random_shape(int64_t *shape, int ndim, struct extent_odds odds,
                               int64_t max_elems)
{
    for (int i = 0; i < ndim; i++) {
        int64_t r = rng_below(100);
        shape[i] = r < 6                      ? 0
                   : r < 6 + odds.percent_one ? 1
                   : r < 85                   ? rng_range(2, 7)
                                              : rng_range(8, odds.longest);
    }
    while (harness_count(ndim, shape) > max_elems) {
        int largest = 0;
        for (int i = 1; i < ndim; i++)
            if (shape[i] > shape[largest])
                largest = i;
        shape[largest] /= 2;
    }
    return ndim;
}

/* The thread counts determinism is checked over. */
static const int thread_counts[] = {1, 2, 3};
#define N_THREAD_COUNTS 3

#endif /* NDKERN_TEST_COMMON_H */
