/* status.h -- the status codes of enum ndkern_status, written once.
 * Nothing here is exported.
 *
 * X(NAME, VALUE, MESSAGE) for each code, in the order of ndkern.h:
 *   NAME     suffix of the NDKERN_ enum value
 *   VALUE    its value, as ndkern.h gives it (core.c checks they agree)
 *   MESSAGE  what ndkern_strerror() returns for it
 * core.c generates ndkern_strerror() and ndkern_status_name() from it.  To
 * add a code: add it to enum ndkern_status in ndkern.h (a new value, never a
 * changed one) and a line here; the compiler reports a code in one and not
 * the other.
 */
#ifndef NDKERN_STATUS_H
#define NDKERN_STATUS_H

#define NDK_FOR_EACH_STATUS(X)                                                      \
    X(OK, 0, "success")                                                             \
    X(EINVAL, -1, "invalid argument (pointer, ndim, extent, stride, mode or boundary)") \
    X(EDTYPE, -2, "unsupported or unknown dtype")                                   \
    X(ESHAPE, -3, "array shapes do not match the operation")                        \
    X(EOVERLAP, -4, "output overlaps an input")                                     \
    X(ENOMEM, -5, "out of memory")                                                  \
    X(EOVERFLOW, -6, "array size or byte span overflows 64 bits")

#endif /* NDKERN_STATUS_H */
