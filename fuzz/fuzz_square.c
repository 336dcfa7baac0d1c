/*
 * fuzz_square.c -- libFuzzer target for square_array.
 *
 * Shapes from 0-d to 64-d; layouts permuted, padded (odd byte strides),
 * reversed, and for the input also broadcast and self-overlapping; every
 * dtype (bool from any bytes, float16 from any bit patterns) and value
 * class; outputs in their own buffer, in place, or
 * overlapping the input; and now and then one hostile argument.  Results
 * must pass ref_square_ok: ref_square's bits (NaN payloads aside; a complex
 * component may come from one fused multiply-add, as numpy.square's may).
 */
#include "fuzz.h"

static void check_results(const struct fz_world *w, const struct fz_array *x,
                          const struct fz_array *out, int dt)
{
    int64_t index[NDKERN_MAX_NDIM] = {0};
    if (out->count == 0)
        return;
    do {
        const unsigned char *src = fz_in_snapshot(w, x->buf, fz_at(x, index));
        const unsigned char *got = fz_at(out, index);
        if (!ref_square_ok(dt, src, got)) {
            char got_text[128], src_text[128];
            fz_format(got_text, sizeof got_text, dt, got);
            fz_format(src_text, sizeof src_text, dt, src);
            FZ_CHECK(0, "square of %s: got %s", src_text, got_text);
        }
    } while (ref_next_index(out->ndim, out->shape, index));
}

enum placement { SEPARATE, IN_PLACE, OVERLAPPING, SAME_BUFFER };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    struct fz_world w = {0};
    struct fz_array x, out;
    int64_t shape[NDKERN_MAX_NDIM];

    fz_case = "square_array";
    fz_begin(&in);
    int dt = (int)fz_below(&in, REF_NDTYPES_ALL);
    int wide = fz_chance(&in, 5);
    int ndim = wide ? (int)fz_below(&in, NDKERN_MAX_NDIM + 1) : (int)fz_below(&in, 6);
    fz_shape(&in, ndim, shape, wide ? 2 : 40, 4096);
    unsigned p = (unsigned)fz_below(&in, 8);
    enum placement placement = p == 5 ? IN_PLACE : p == 6 ? OVERLAPPING
                             : p == 7 ? SAME_BUFFER : SEPARATE;
    const int64_t itemsize = ref_dtypes[dt].size;

    fz_layout(&in, &x, ndim, shape, itemsize, placement != IN_PLACE);
    if (placement == IN_PLACE) {
        fz_place(&in, &w, (struct fz_array *[]){&x}, 1, 0);
        out = x;
    } else {
        fz_layout(&in, &out, ndim, shape, itemsize, 0);
        if (placement == SEPARATE) {
            fz_place(&in, &w, (struct fz_array *[]){&x}, 1, 0);
            fz_place(&in, &w, (struct fz_array *[]){&out}, 1, 0);
        } else {
            fz_place(&in, &w, (struct fz_array *[]){&x, &out}, 2, placement == OVERLAPPING);
        }
    }
    fz_fill(&x, dt, (enum fz_style)fz_below(&in, FZ_NSTYLES), LDBL_MAX);

    /* The arguments as passed, in heap arrays of exactly ndim entries. */
    int64_t *arg_shape = fz_heap_copy(shape, ndim);
    int64_t *x_strides = fz_heap_copy(x.strides, ndim);
    int64_t *out_strides = fz_heap_copy(out.strides, ndim);
    void *x_ptr = x.data, *out_ptr = out.data;
    int arg_ndim = ndim, arg_dtype = dt;
    const struct fz_call call = {
        .arrays = {{.array = &x, .data = &x_ptr, .shape = &arg_shape, .strides = &x_strides},
                   {.array = &out, .data = &out_ptr, .shape = &arg_shape,
                    .strides = &out_strides}},
        .narrays = 2,
        .output = 1,
        .codes = {{.value = &arg_dtype, .bad = fz_bad_dtypes, .nbad = FZ_COUNT(fz_bad_dtypes),
                   .expect = {NDKERN_EDTYPE, 0}},
                  {.value = &arg_ndim, .bad = fz_bad_ndims, .nbad = FZ_COUNT(fz_bad_ndims),
                   .expect = {NDKERN_EINVAL, 0}}},
        .ncodes = 2,
        .valid = 1,
    };

    struct fz_expect expect = {NDKERN_OK, 0};
    if (out.count > 0 && placement != IN_PLACE && fz_ranges_meet(&x, &out))
        expect = (struct fz_expect){NDKERN_EOVERLAP, 1}; /* OK only if disjoint in fact */
    int hostile = fz_maybe_spoil(&in, &call, &expect);

    fz_snapshot(&w);
    const int caller_flags = fz_set_caller_flags();
    int rc = square_array(x_ptr, x_strides, out_ptr, out_strides, arg_ndim, arg_shape,
                          arg_dtype);
    fz_check_fp(caller_flags, rc, !ref_is_int(dt));
    FZ_CHECK_STATUS(expect, rc, hostile, "square_array %s, ndim %d\n", ref_dtypes[dt].name,
                    ndim);
    if (rc == NDKERN_OK && hostile < 0) {
        check_results(&w, &x, &out, dt);
        fz_mark_written(&w, &out);
    }
    fz_check_untouched(&w, rc == NDKERN_OK ? "after success" : "after an error");

    fz_call_free(&call);
    fz_free(&w);
    return 0;
}
