/* core.c -- dtype facts, status names and messages, and the version. */
#include "internal.h"
#include "status.h"

#define NDK_STR_(x) #x
#define NDK_STR(x) NDK_STR_(x)

#define NDK_DTYPE_INFO(CODE, name, ctype, KIND, scalar, SIGNED) \
    [NDKERN_##CODE] = {(int)sizeof(ctype), NDK_KIND_##KIND, SIGNED},
const struct ndk_dtype_info ndk_dtypes[NDK_NDTYPES] = {
    NDK_FOR_EACH_DTYPE(NDK_DTYPE_INFO)
};

/* Each code of the table is the enum constant of the same name and value. */
#define NDK_STATUS_MATCHES_HEADER(NAME, VALUE, MESSAGE) \
    _Static_assert(NDKERN_##NAME == (VALUE), "status.h and ndkern.h disagree on NDKERN_" #NAME);
NDK_FOR_EACH_STATUS(NDK_STATUS_MATCHES_HEADER)

struct status_text {
    const char *name;     /* the enum constant's name, "NDKERN_EINVAL" */
    const char *message;  /* what ndkern_strerror returns */
};

#define NDK_STATUS_TEXT(NAME, VALUE, MESSAGE) \
    static const struct status_text status_##NAME = {.name = "NDKERN_" #NAME, \
                                                     .message = MESSAGE};
NDK_FOR_EACH_STATUS(NDK_STATUS_TEXT)

static const struct status_text status_unknown = {.name = "NDKERN_UNKNOWN",
                                                  .message = "unknown ndkern error code"};

/* The texts of `code`.  A switch over the public enum without a default, so
 * that the compiler (-Wswitch, in -Wall) reports a code of ndkern.h that
 * the table lacks. */
static const struct status_text *status_text(int code)
{
#define NDK_STATUS_CASE(NAME, VALUE, MESSAGE) \
    case NDKERN_##NAME:                       \
        return &status_##NAME;
    switch ((enum ndkern_status)code) {
        NDK_FOR_EACH_STATUS(NDK_STATUS_CASE)
    }
#undef NDK_STATUS_CASE
    return &status_unknown;
}

NDKERN_API const char *ndkern_strerror(int code)
{
    return status_text(code)->message;
}

NDKERN_API const char *ndkern_status_name(int code)
{
    return status_text(code)->name;
}

NDKERN_API const char *ndkern_version(void)
{
    return NDK_STR(NDKERN_VERSION_MAJOR) "." NDK_STR(NDKERN_VERSION_MINOR) "."
        NDK_STR(NDKERN_VERSION_PATCH);
}

NDKERN_API int ndkern_dtype_size(int dtype)
{
    return ndk_dtype_valid(dtype) ? ndk_dtypes[dtype].size : NDKERN_EDTYPE;
}
