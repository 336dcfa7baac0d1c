/*
 * fuzz_sum.c -- libFuzzer target for sum_array.
 *
 * Shapes from 0-d to 64-d, any nreduce, every (dtype, out_dtype) pair
 * (bool and float16 included; a bool out_dtype must give NDKERN_EDTYPE),
 * input layouts with broadcast, reversed, padded and overlapping axes,
 * outputs with their own layouts (or NULL strides for a full reduction),
 * outputs overlapping the input, now and then a long reduction that runs on
 * several threads, and hostile arguments.  Results must equal ref_sum:
 * integer sums bit for bit, float sums within the documented bound, NaN and
 * infinities by class.
 */
#include "fuzz.h"

/* ndkern.h's bound: (20 + log2 n) * 2^-53 * sum|x|, plus the final rounding
 * to float32 or float16, plus one rounding per element for integers wider than the
 * output's significand (as test_sum.c), and the spacing of subnormals. */
static long double sum_tolerance(int in_dt, int out_dt, const struct ref_value *want)
{
    if (ref_is_int(out_dt))
        return 0;
    long double n = want->terms > 1 ? (long double)want->terms : 1;
    long double tol = (20 + log2l(n)) * ldexpl(1, -53) * want->scale;
    int digits = ref_dtypes[out_dt].bits;
    if (digits < 53) { /* the final rounding (of the finite parts) */
        long double size = (isfinite(want->re) ? fabsl(want->re) : 0) +
                           (isfinite(want->im) ? fabsl(want->im) : 0);
        tol += ldexpl(1, -digits) * (size + tol);
    }
    tol += ref_component_true_min(out_dt); /* rounding among subnormals */
    if (ref_is_int(in_dt) && ref_dtypes[in_dt].bits > digits)
        tol += ldexpl(1, -digits) * want->scale;
    return tol * 1.001L;
}

/* Values up to this size cannot make a double sum overflow in any order. */
#define SUM_SAFE_LIMIT 0x1p1000L

/* The numeric class of each output's terms (as cast to out_dt), and for
 * non-finite terms the value the sum must have: NaN when a term is NaN or
 * both infinities occur, else the infinity.  ref_sum's compensated sum
 * cannot carry infinities, so they are classified here.  Dense over the
 * kept axes, like ref_sum's results. */
struct term_class {
    enum fz_numeric numeric;
    long double nonfinite[2];   /* 0: all finite; else +-inf or NaN */
    long double finite_scale;   /* sum of |finite components| */
};

static long double merge_nonfinite(long double acc, long double v)
{
    if (isfinite(v))
        return acc;
    return acc == 0 ? v : acc + v; /* inf + -inf and anything + NaN give NaN */
}

static void classify_terms(const struct fz_array *x, const unsigned char *x_data, int dt,
                           int nreduce, int out_dt, struct term_class *classes)
{
    const int kept = x->ndim - nreduce;
    const long double limit = SUM_SAFE_LIMIT;
    int64_t outer[NDKERN_MAX_NDIM] = {0}, inner[NDKERN_MAX_NDIM], k = 0;
    if (fz_count(kept, x->shape) == 0)
        return;
    do {
        struct term_class *c = &classes[k++];
        int64_t base = 0;
        memset(c, 0, sizeof *c);
        for (int i = 0; i < kept; i++)
            base += outer[i] * x->strides[i];
        if (fz_count(nreduce, x->shape + kept) == 0)
            continue;
        memset(inner, 0, sizeof inner);
        do {
            int64_t off = base;
            for (int i = 0; i < nreduce; i++)
                off += inner[i] * x->strides[kept + i];
            struct ref_value e = ref_cast(x_data + off, dt, out_dt);
            if (ref_is_int(out_dt) || e.unspecified)
                continue;
            for (int part = 0; part < 2; part++) {
                long double v = part ? e.im : e.re;
                c->nonfinite[part] = merge_nonfinite(c->nonfinite[part], v);
                if (!isfinite(v))
                    c->numeric = fz_worse(c->numeric, FZ_CLASSES);
                else if (fabsl(v) > limit)
                    c->numeric = FZ_UNCHECKED;
                else
                    c->finite_scale += fabsl(v);
            }
        } while (nreduce > 0 && ref_next_index(nreduce, x->shape + kept, inner));
    } while (kept > 0 && ref_next_index(kept, x->shape, outer));
}

static void check_results(const struct fz_world *w, const struct fz_array *x,
                          const struct fz_array *out, int dt, int nreduce, int out_dt,
                          enum fz_numeric x_numeric)
{
    const int kept = x->ndim - nreduce;
    const int64_t nout = fz_count(kept, x->shape);
    if (nout == 0)
        return;
    struct ref_value *want = calloc((size_t)nout, sizeof *want);
    struct term_class *classes = calloc((size_t)nout, sizeof *classes);
    if (want == NULL || classes == NULL)
        abort();
    const unsigned char *x_data = x->count > 0 ? fz_in_snapshot(w, x->buf, x->data) : NULL;
    if (x->count > 0) {
        ref_sum(x_data, x->strides, x->ndim, x->shape, dt, nreduce, out_dt, want);
        if (x_numeric != FZ_EXACT && !ref_is_int(out_dt))
            classify_terms(x, x_data, dt, nreduce, out_dt, classes);
    } else {
        for (int64_t k = 0; k < nout; k++)
            want[k].terms = 0; /* an empty reduction gives 0 */
    }

    int64_t index[NDKERN_MAX_NDIM] = {0}, k = 0;
    do {
        struct ref_value *v = &want[k];
        const struct term_class *c = &classes[k++];
        if (c->numeric == FZ_CLASSES) { /* the finite component's bound */
            v->scale = c->finite_scale;
            v->re = c->nonfinite[0] != 0 ? c->nonfinite[0] : v->re;
            v->im = c->nonfinite[1] != 0 ? c->nonfinite[1] : v->im;
        }
        FZ_CHECK_VALUE(out_dt, fz_at(out, index), v, sum_tolerance(dt, out_dt, v), c->numeric,
                       "sum %s -> %s, output %" PRId64, ref_dtypes[dt].name,
                       ref_dtypes[out_dt].name, k - 1);
    } while (kept > 0 && ref_next_index(kept, out->shape, index));
    free(want);
    free(classes);
}

/* NumPy's default result type of numpy.sum. */
static int default_out_dtype(int dt)
{
    if (ref_dtypes[dt].kind == REF_SIGNED || ref_dtypes[dt].kind == REF_BOOL)
        return NDKERN_INT64;
    if (ref_dtypes[dt].kind == REF_UNSIGNED)
        return NDKERN_UINT64;
    return dt;
}

enum placement { SEPARATE, OVERLAPPING, SAME_BUFFER };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    struct fz_world w = {0};
    struct fz_array x, out;
    int64_t shape[NDKERN_MAX_NDIM];

    fz_case = "sum_array";
    fz_begin(&in);
    int dt = (int)fz_below(&in, REF_NDTYPES_ALL);
    int out_dt =
        fz_chance(&in, 50) ? default_out_dtype(dt) : (int)fz_below(&in, REF_NDTYPES_ALL);
    const int bool_out = out_dt == NDKERN_BOOL; /* refused: NDKERN_EDTYPE */
    unsigned size_class = (unsigned)fz_below(&in, 100);
    int ndim;
    if (size_class < 4) { /* wide: up to 64 axes of extent 0..2 */
        ndim = (int)fz_below(&in, NDKERN_MAX_NDIM + 1);
        fz_shape(&in, ndim, shape, 2, 4096);
    } else if (size_class < 5) { /* long: enough for the threaded paths */
        ndim = 1 + (int)fz_below(&in, 3);
        fz_shape(&in, ndim, shape, 2048, INT64_C(9) << 18);
    } else {
        ndim = (int)fz_below(&in, 6);
        fz_shape(&in, ndim, shape, 300, 4096);
    }
    int nreduce = (int)fz_below(&in, ndim + 1);
    int nkeep = ndim - nreduce;
    unsigned p = (unsigned)fz_below(&in, 8);
    enum placement placement = p == 6 ? OVERLAPPING : p == 7 ? SAME_BUFFER : SEPARATE;

    fz_layout(&in, &x, ndim, shape, ref_dtypes[dt].size, 1);
    fz_layout(&in, &out, nkeep, shape, ref_dtypes[out_dt].size, 0);
    if (placement == SEPARATE) {
        fz_place(&in, &w, (struct fz_array *[]){&x}, 1, 0);
        fz_place(&in, &w, (struct fz_array *[]){&out}, 1, 0);
    } else {
        fz_place(&in, &w, (struct fz_array *[]){&x, &out}, 2, placement == OVERLAPPING);
    }
    enum fz_numeric x_numeric =
        fz_fill(&x, dt, (enum fz_style)fz_below(&in, FZ_NSTYLES), SUM_SAFE_LIMIT);

    /* The arguments as passed, in heap arrays of exactly ndim (nkeep)
     * entries; out_strides may be NULL for a full reduction. */
    int64_t *arg_shape = fz_heap_copy(shape, ndim);
    int64_t *x_strides = fz_heap_copy(x.strides, ndim);
    int64_t *out_strides = nkeep == 0 && fz_chance(&in, 50) ? NULL
                                                            : fz_heap_copy(out.strides, nkeep);
    void *x_ptr = x.data, *out_ptr = out.data;
    int arg_ndim = ndim, arg_nreduce = nreduce, arg_dtype = dt, arg_out_dtype = out_dt;
    const int bad_nreduce[] = {-1, ndim + 1, INT32_MIN, INT32_MAX};
    const struct fz_expect bad_dtype = {NDKERN_EDTYPE, 0}, invalid = {NDKERN_EINVAL, 0};
    const struct fz_call call = {
        /* out has no shape argument: its extents are the first nkeep of x's. */
        .arrays = {{.array = &x, .data = &x_ptr, .shape = &arg_shape, .strides = &x_strides},
                   {.array = &out, .data = &out_ptr, .shape = NULL, .strides = &out_strides}},
        .narrays = 2,
        .output = 1,
        .codes = {{.value = &arg_dtype, .bad = fz_bad_dtypes, .nbad = FZ_COUNT(fz_bad_dtypes),
                   .expect = bad_dtype},
                  {.value = &arg_out_dtype, .bad = fz_bad_dtypes,
                   .nbad = FZ_COUNT(fz_bad_dtypes), .expect = bad_dtype},
                  {.value = &arg_ndim, .bad = fz_bad_ndims, .nbad = FZ_COUNT(fz_bad_ndims),
                   .expect = invalid},
                  {.value = &arg_nreduce, .bad = bad_nreduce, .nbad = FZ_COUNT(bad_nreduce),
                   .expect = invalid}},
        .ncodes = 4,
        .valid = !bool_out,
    };

    struct fz_expect expect = {NDKERN_OK, 0};
    const int overlap = fz_ranges_meet(&x, &out);
    if (overlap)
        expect = (struct fz_expect){NDKERN_EOVERLAP, 1};
    int hostile = fz_maybe_spoil(&in, &call, &expect);
    if (bool_out) /* with another error too, either may be reported */
        expect = (struct fz_expect){hostile < 0 && !overlap ? NDKERN_EDTYPE : FZ_ANY_ERROR, 0};

    fz_snapshot(&w);
    const int caller_flags = fz_set_caller_flags();
    int rc = sum_array(x_ptr, x_strides, arg_ndim, arg_shape, arg_dtype, arg_nreduce, out_ptr,
                       out_strides, arg_out_dtype);
    fz_check_fp(caller_flags, rc, !ref_is_int(out_dt));
    FZ_CHECK_STATUS(expect, rc, hostile, "sum_array %s -> %s, ndim %d, nreduce %d\n",
                    ref_dtypes[dt].name, ref_dtypes[out_dt].name, ndim, nreduce);
    if (rc == NDKERN_OK) {
        check_results(&w, &x, &out, dt, nreduce, out_dt, x_numeric);
        fz_mark_written(&w, &out);
    }
    fz_check_untouched(&w, rc == NDKERN_OK ? "after success" : "after an error");

    fz_call_free(&call);
    fz_free(&w);
    return 0;
}
