/*
 * fuzz_square.c -- libFuzzer target for square_array.
 *
 * Shapes from 0-d to 64-d; layouts permuted, padded (odd byte strides),
 * reversed, and for the input also broadcast and self-overlapping; every
 * dtype and value class; outputs in their own buffer, in place, or
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
    int dt = (int)fz_below(&in, REF_NDTYPES);
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

    /* The arguments, in heap arrays of exactly ndim entries so that reading
     * past them is caught. */
    size_t args = (size_t)(ndim > 0 ? ndim : 1) * sizeof(int64_t);
    int64_t *arg_shape = malloc(args), *x_strides = malloc(args), *out_strides = malloc(args);
    memcpy(arg_shape, shape, (size_t)ndim * sizeof(int64_t));
    memcpy(x_strides, x.strides, (size_t)ndim * sizeof(int64_t));
    memcpy(out_strides, out.strides, (size_t)ndim * sizeof(int64_t));
    const void *x_ptr = x.data;
    void *out_ptr = out.data;
    int arg_ndim = ndim, arg_dtype = dt;

    struct fz_expect expect = {NDKERN_OK, 0};
    if (out.count > 0 && placement != IN_PLACE && fz_ranges_meet(&x, &out))
        expect = (struct fz_expect){NDKERN_EOVERLAP, 1}; /* OK only if disjoint in fact */

    int hostile = fz_chance(&in, 12) ? (int)fz_below(&in, 8) : -1;
    const int bad_ndims[] = {-1, NDKERN_MAX_NDIM + 1, INT32_MIN, INT32_MAX};
    switch (hostile) {
    case 0:
        x_ptr = NULL;
        expect = (struct fz_expect){x.count > 0 ? NDKERN_EINVAL : NDKERN_OK, 0};
        break;
    case 1:
        out_ptr = NULL;
        expect = (struct fz_expect){out.count > 0 ? NDKERN_EINVAL : NDKERN_OK, 0};
        break;
    case 2:
        arg_dtype = fz_bad_dtype(&in);
        expect = (struct fz_expect){NDKERN_EDTYPE, 0};
        break;
    case 3:
        arg_ndim = bad_ndims[fz_below(&in, 4)];
        expect = (struct fz_expect){NDKERN_EINVAL, 0};
        break;
    case 4:
        if (ndim > 0) {
            arg_shape[fz_below(&in, ndim)] = fz_chance(&in, 50) ? -1 : INT64_MIN;
            expect = (struct fz_expect){NDKERN_EINVAL, 0};
        } else {
            hostile = -1;
        }
        break;
    case 5: /* a zero output stride on an axis of extent > 1 */
        hostile = -1;
        for (int i = 0; i < ndim && out.count > 0; i++)
            if (shape[i] > 1) {
                out_strides[i] = 0;
                expect = (struct fz_expect){NDKERN_EINVAL, 0};
                hostile = 5;
                break;
            }
        break;
    case 6:
        if (ndim >= 2)
            expect = (struct fz_expect){
                fz_overflowing_layout(&in, ndim, arg_shape,
                                      fz_chance(&in, 50) ? x_strides : out_strides, itemsize),
                0};
        else
            hostile = -1;
        break;
    case 7:
        if (ndim > 0) {
            int which = (int)fz_below(&in, 3);
            if (which == 0) {
                free(arg_shape);
                arg_shape = NULL;
            } else if (which == 1) {
                free(x_strides);
                x_strides = NULL;
            } else {
                free(out_strides);
                out_strides = NULL;
            }
            expect = (struct fz_expect){NDKERN_EINVAL, 0};
        } else {
            hostile = -1;
        }
        break;
    default:
        break;
    }

    fz_snapshot(&w);
    int rc = square_array(x_ptr, x_strides, out_ptr, out_strides, arg_ndim, arg_shape,
                          arg_dtype);
    FZ_CHECK(fz_status_ok(expect, rc), "status %s, expected %s%s (hostile case %d)",
             fz_status_name(rc), fz_status_name(expect.status),
             expect.accept_ok ? " or OK" : "", hostile);
    if (rc == NDKERN_OK && hostile < 0) {
        check_results(&w, &x, &out, dt);
        fz_mark_written(&w, &out);
    }
    fz_check_untouched(&w, rc == NDKERN_OK ? "after success" : "after an error");

    free(arg_shape);
    free(x_strides);
    free(out_strides);
    fz_free(&w);
    return 0;
}
