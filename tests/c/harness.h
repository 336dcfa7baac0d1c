/*
 * harness.h -- a tiny test harness for the ndkern C tests, in the spirit of
 * xz's tuktest.h.  Header-only: every test program includes it once.
 *
 *  - CHECK(cond) / CHECKF(cond, fmt, ...) count checks and failures and
 *    report file:line plus the current case description (harness_context).
 *  - Named tests, as in xz's tuktest.h.  A program lists its test functions
 *    and hands its arguments to harness_main:
 *
 *        static void test_random_cases(void) { ... }
 *        static const struct harness_test tests[] = {
 *            HARNESS_TEST(random_cases), HARNESS_TEST(errors), ...
 *        };
 *        int main(int argc, char **argv)
 *        {
 *            return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
 *        }
 *
 *    With no arguments every test runs, in the order of the list (make check
 *    does this).  "./tests/c/test_sum random_cases errors" runs only the
 *    tests named, still in list order; "--list" prints the names; an unknown
 *    name is a hard error.  All tests draw from one PRNG stream, so a test
 *    run alone sees other random inputs than in the full run (the seed line
 *    says which stream; NDKERN_TEST_SEED picks another).
 *  - harness_main prints a summary and returns the automake exit status:
 *    0 pass, 1 failure.  HARNESS_SKIP() exits 77, HARNESS_ERROR() exits 99
 *    (the test itself could not run, e.g. out of memory).
 *  - harness_digest(name, bytes, n) hashes results into the digest `name`;
 *    at the end each digest is printed as "DIGEST name value" (in the order
 *    of first use), for all-levels.sh to compare across SIMD levels and with
 *    another architecture's build.  harness_arch_digest is the same for
 *    results documented identical across the levels of one architecture
 *    only: printed as "ARCH-DIGEST name value", compared across levels, not
 *    with another architecture.
 *  - A deterministic PRNG (xoshiro256** seeded with splitmix64).  The seed is
 *    fixed unless NDKERN_TEST_SEED is set; it is printed so a failure can be
 *    reproduced.
 *  - harness_array: an N-d array with a random layout (transposed, padded,
 *    reversed, broadcast, misaligned, odd byte strides) inside a guarded
 *    allocation, so a test can verify that a call wrote exactly the bytes of
 *    its output elements and nothing else.
 */
#ifndef NDKERN_TEST_HARNESS_H
#define NDKERN_TEST_HARNESS_H

#ifndef _POSIX_C_SOURCE
#  define _POSIX_C_SOURCE 200809L
#endif

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndkern.h"
#include "reference.h"   /* ref_next_index, the one multi-index odometer */

#if defined(__GNUC__) || defined(__clang__)
#  define HARNESS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#  define HARNESS_UNUSED __attribute__((unused))
#  define HARNESS_NORETURN __attribute__((noreturn))
#else
#  define HARNESS_PRINTF(f, a)
#  define HARNESS_UNUSED
#  define HARNESS_NORETURN
#endif

#define HARNESS_MAX_NDIM NDKERN_MAX_NDIM
/* Failures printed in full; later ones are only counted. */
#define HARNESS_MAX_REPORTS 40

static unsigned long harness_checks HARNESS_UNUSED;
static unsigned long harness_failures HARNESS_UNUSED;
static char harness_context[512] HARNESS_UNUSED;
static uint64_t harness_seed HARNESS_UNUSED;

/* ------------------------------------------------------------ reporting */

/* Describes the case being run; printed with every failure. */
static inline HARNESS_PRINTF(1, 2) void harness_set_context(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(harness_context, sizeof harness_context, fmt, ap);
    va_end(ap);
}

static inline HARNESS_PRINTF(3, 4) void
harness_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    harness_failures++;
    if (harness_failures > HARNESS_MAX_REPORTS) {
        if (harness_failures == HARNESS_MAX_REPORTS + 1)
            printf("(further failures are counted but not printed)\n");
        return;
    }
    printf("FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n     case: %s\n", harness_context[0] ? harness_context : "-");
    fflush(stdout);
}

/* Counts one check; on failure reports and returns 0 (usable in `if`). */
static inline HARNESS_PRINTF(4, 5) int
harness_check(int ok, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    char message[1024];
    harness_checks++;
    if (ok)
        return 1;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    harness_fail_at(file, line, "%s", message);
    return 0;
}
#define CHECKF(cond, ...) harness_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK(cond) CHECKF(cond, "%s", #cond)

/* A status code compared with the expected one, reported by name. */
#define CHECK_STATUS(got, want) \
    harness_check_status((got), (want), #got, __FILE__, __LINE__)

static inline int harness_check_status(int got, int want, const char *expr,
                                       const char *file, int line)
{
    harness_checks++;
    if (got == want)
        return 1;
    harness_fail_at(file, line, "%s returned %d %s, expected %d %s", expr, got,
                    ndkern_status_name(got), want, ndkern_status_name(want));
    return 0;
}

/* The test could not run at all: automake's "hard error". */
#define HARNESS_ERROR(...) harness_hard_error(__FILE__, __LINE__, __VA_ARGS__)

static inline HARNESS_NORETURN HARNESS_PRINTF(3, 4) void
harness_hard_error(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("ERROR %s:%d: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(99);
}

#define HARNESS_SKIP(...) \
    do { printf("SKIP: "); printf(__VA_ARGS__); printf("\n"); exit(77); } while (0)

static inline void *harness_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        HARNESS_ERROR("out of memory allocating %zu bytes", size);
    return p;
}

/* ------------------------------------------------------------ PRNG */

static uint64_t harness_rng_state[4] HARNESS_UNUSED;

static inline uint64_t harness_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline void harness_rng_seed(uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        harness_rng_state[i] = harness_splitmix64(&x);
}

static inline uint64_t harness_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static inline uint64_t rng_u64(void)
{
    uint64_t *s = harness_rng_state;
    uint64_t result = harness_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = harness_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n); n > 0.  The modulo bias is irrelevant for testing. */
static inline int64_t rng_below(int64_t n)
{
    return (int64_t)(rng_u64() % (uint64_t)n);
}

/* Uniform in [lo, hi]. */
static inline int64_t rng_range(int64_t lo, int64_t hi)
{
    return lo + rng_below(hi - lo + 1);
}

/* True with probability percent/100. */
static inline int rng_chance(int percent)
{
    return rng_below(100) < percent;
}

/* Uniform in [0, 1). */
static inline double rng_unit(void)
{
    return (double)(rng_u64() >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------ run control */

/* Call first.  Seeds the PRNG and, when the all-levels.sh wrapper says which
 * SIMD level it asked for, checks that the library runs at that level. */
static inline void harness_begin(const char *program)
{
    const char *seed_env = getenv("NDKERN_TEST_SEED");
    const char *expect = getenv("NDKERN_TEST_EXPECT_SIMD");
    harness_seed = seed_env ? strtoull(seed_env, NULL, 0) : UINT64_C(20240229);
    harness_rng_seed(harness_seed);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("%s: ndkern %s, simd level %s, %d threads, seed %" PRIu64 "\n",
           program, ndkern_version(), ndkern_simd_level(),
           ndkern_get_num_threads(), harness_seed);
    if (expect != NULL && expect[0] != '\0') {
        harness_set_context("NDKERN_SIMD=%s", expect);
        CHECKF(strcmp(ndkern_simd_level(), expect) == 0,
               "ndkern_simd_level() is \"%s\" but NDKERN_SIMD=%s was requested "
               "and the CPU supports it", ndkern_simd_level(), expect);
        harness_set_context("-");
    }
}

/* ------------------------------------------------------------ digests */

/* FNV-1a, to compare results between runs at different SIMD levels. */
static inline uint64_t harness_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * UINT64_C(0x100000001B3);
    return h;
}
#define HARNESS_FNV_INIT UINT64_C(0xCBF29CE484222325)

/* Digests in the order of first use; names are string literals. */
#define HARNESS_MAX_DIGESTS 32
static struct harness_digest_entry {
    const char *name;
    uint64_t value;
    const char *label;    /* "DIGEST", or "ARCH-DIGEST": this architecture only */
} harness_digests[HARNESS_MAX_DIGESTS] HARNESS_UNUSED;
static int harness_ndigests HARNESS_UNUSED;

static inline void harness_digest_add(const char *label, const char *name, const void *data,
                                      size_t n)
{
    int i = 0;
    while (i < harness_ndigests && strcmp(harness_digests[i].name, name) != 0)
        i++;
    if (i == harness_ndigests) {
        if (i == HARNESS_MAX_DIGESTS)
            HARNESS_ERROR("more than %d digests", HARNESS_MAX_DIGESTS);
        harness_digests[i].name = name;
        harness_digests[i].value = HARNESS_FNV_INIT;
        harness_digests[i].label = label;
        harness_ndigests++;
    }
    harness_digests[i].value = harness_fnv1a(harness_digests[i].value, data, n);
}

/* Adds n bytes of results to the digest `name` (identical on every level
 * and architecture). */
static inline void harness_digest(const char *name, const void *data, size_t n)
{
    harness_digest_add("DIGEST", name, data, n);
}

/* The same for results identical at every level of one architecture. */
static inline void harness_arch_digest(const char *name, const void *data, size_t n)
{
    harness_digest_add("ARCH-DIGEST", name, data, n);
}

/* ------------------------------------------------------------ named tests */

struct harness_test {
    const char *name;
    void (*run)(void);
};
/* The entry for test_NAME, run as "NAME". */
#define HARNESS_TEST(test_name) {.name = #test_name, .run = test_##test_name}
#define HARNESS_COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

/* Whether `name` is among the arguments argv[1 .. argc-1]. */
static inline int harness_named(const char *name, int argc, char **argv)
{
    for (int a = 1; a < argc; a++)
        if (strcmp(argv[a], name) == 0)
            return 1;
    return 0;
}

/* Runs the tests argv selects (see the top of this file), prints the digests
 * and a summary; returns the exit status for main(). */
static inline int harness_main(const char *program, const struct harness_test *tests,
                               int ntests, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (int t = 0; t < ntests; t++)
            printf("%s\n", tests[t].name);
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        int known = 0;
        for (int t = 0; t < ntests; t++)
            known |= strcmp(argv[a], tests[t].name) == 0;
        if (!known)
            HARNESS_ERROR("%s has no test named \"%s\" (--list shows the names)", program,
                          argv[a]);
    }
    harness_begin(program);
    for (int t = 0; t < ntests; t++)
        if (argc < 2 || harness_named(tests[t].name, argc, argv))
            tests[t].run();
    for (int i = 0; i < harness_ndigests; i++)
        printf("%s %s %016" PRIx64 "\n", harness_digests[i].label, harness_digests[i].name,
               harness_digests[i].value);
    printf("%s: %lu checks, %lu failed (seed %" PRIu64 ")\n", program, harness_checks,
           harness_failures, harness_seed);
    return harness_failures ? 1 : 0;
}

/* ------------------------------------------------------------ index helpers */

static inline int64_t harness_count(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    return n;
}

static inline int64_t harness_byte_offset(int ndim, const int64_t *strides,
                                          const int64_t *index)
{
    int64_t offset = 0;
    for (int i = 0; i < ndim; i++)
        offset += index[i] * strides[i];
    return offset;
}

/* "[3,4]" style text for messages. */
static inline const char *harness_format_dims(char *buf, size_t size, int ndim,
                                              const int64_t *values)
{
    size_t used = 0;
    buf[0] = '\0';
    used += (size_t)snprintf(buf + used, size - used, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64,
                                 i ? "," : "", values[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

/* ------------------------------------------------------------ guarded arrays */

enum harness_layout {
    HL_TRANSPOSE = 1,   /* axes in a random memory order                   */
    HL_PAD = 2,         /* gaps between rows / planes                      */
    HL_NEGATE = 4,      /* some strides negative                           */
    HL_ZERO = 8,        /* some strides zero (inputs only: broadcasting)   */
    HL_MISALIGN = 16,   /* base pointer at a random (mostly odd) byte      */
    HL_ODD_STRIDE = 32, /* innermost stride not a multiple of the element  */
    HL_NULL_EMPTY = 64, /* NULL base pointer when there are no elements    */
    HL_ODD_UNIT = 128   /* extent-1 axes get arbitrary strides             */
};
#define HL_ALL_OUTPUT (HL_TRANSPOSE | HL_PAD | HL_NEGATE | HL_MISALIGN | \
                       HL_ODD_STRIDE | HL_NULL_EMPTY | HL_ODD_UNIT)
#define HL_ALL_INPUT (HL_ALL_OUTPUT | HL_ZERO)

/* A random subset of the allowed layout features (none half the time). */
static inline unsigned harness_random_layout(unsigned allowed)
{
    unsigned flags = 0;
    if (rng_chance(35))
        return 0;
    for (unsigned bit = 1; bit <= HL_ODD_UNIT; bit <<= 1)
        if ((allowed & bit) && rng_chance(45))
            flags |= bit;
    return flags;
}

typedef struct harness_array {
    int ndim;
    int64_t shape[HARNESS_MAX_NDIM];
    int64_t strides[HARNESS_MAX_NDIM];
    size_t elsize;
    int64_t nelem;
    unsigned flags;
    unsigned char *alloc;    /* guarded allocation holding every element    */
    size_t alloc_size;
    unsigned char *data;     /* base pointer: the element at index 0        */
    unsigned char *snapshot; /* copy of alloc (harness_array_snapshot)      */
    unsigned char *mask;     /* 1 for bytes of an element, else 0           */
} harness_array;

#define HARNESS_MARGIN 64

/* Fills the mask: which bytes of alloc belong to some element. */
static inline void harness_array_mark(harness_array *a)
{
    int64_t index[HARNESS_MAX_NDIM] = {0};
    memset(a->mask, 0, a->alloc_size);
    if (a->nelem == 0)
        return;
    do {
        unsigned char *p = a->data + harness_byte_offset(a->ndim, a->strides, index);
        memset(a->mask + (p - a->alloc), 1, a->elsize);
    } while (ref_next_index(a->ndim, a->shape, index));
}

/*
 * Creates an array of `shape` with `elsize`-byte elements laid out as
 * `flags` asks (randomly within those features).  All bytes of the
 * allocation, elements included, start as random garbage.
 */
static inline void harness_array_init(harness_array *a, int ndim, const int64_t *shape,
                                      size_t elsize, unsigned flags)
{
    int perm[HARNESS_MAX_NDIM];
    int64_t step, lo = 0, hi = 0;
    size_t misalign = 0;

    memset(a, 0, sizeof *a);
    a->ndim = ndim;
    a->elsize = elsize;
    a->flags = flags;
    for (int i = 0; i < ndim; i++) {
        a->shape[i] = shape[i];
        perm[i] = i;
    }
    a->nelem = harness_count(ndim, shape);
    if (flags & HL_TRANSPOSE)
        for (int i = ndim - 1; i > 0; i--) {
            int j = (int)rng_below(i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
    /* Innermost axis first: each axis steps over the ones inside it. */
    step = (int64_t)elsize;
    if ((flags & HL_ODD_STRIDE) && rng_chance(60))
        step += rng_range(1, 3);
    for (int q = ndim - 1; q >= 0; q--) {
        int axis = perm[q];
        int64_t extent = shape[axis];
        a->strides[axis] = step;
        step = step * (extent > 1 ? extent : 1);
        if ((flags & HL_PAD) && rng_chance(60))
            step += (int64_t)elsize * rng_range(1, 3) +
                    ((flags & HL_ODD_STRIDE) ? rng_range(0, 1) : 0);
        if (extent == 1 && (flags & HL_ODD_UNIT) && rng_chance(50))
            a->strides[axis] = rng_range(-100000, 100000);
        if ((flags & HL_NEGATE) && rng_chance(40))
            a->strides[axis] = -a->strides[axis];
        if ((flags & HL_ZERO) && rng_chance(25))
            a->strides[axis] = 0;
    }
    if (a->nelem > 0)
        for (int i = 0; i < ndim; i++) {
            int64_t far = a->strides[i] * (shape[i] - 1);
            if (far < 0)
                lo += far;
            else
                hi += far;
        }
    if (flags & HL_MISALIGN)
        misalign = (size_t)rng_range(1, 63);
    a->alloc_size = 2 * HARNESS_MARGIN + misalign + (size_t)(hi - lo) + elsize;
    a->alloc = harness_malloc(a->alloc_size);
    a->mask = harness_malloc(a->alloc_size);
    a->snapshot = harness_malloc(a->alloc_size);
    for (size_t i = 0; i < a->alloc_size; i++)
        a->alloc[i] = (unsigned char)rng_u64();
    a->data = a->alloc + HARNESS_MARGIN + misalign + (size_t)(-lo);
    harness_array_mark(a);
    if (a->nelem == 0 && (flags & HL_NULL_EMPTY) && rng_chance(50))
        a->data = NULL;
}

/* Contiguous, aligned row-major array. */
static inline void harness_array_contiguous(harness_array *a, int ndim,
                                            const int64_t *shape, size_t elsize)
{
    harness_array_init(a, ndim, shape, elsize, 0);
}

static inline void harness_array_free(harness_array *a)
{
    free(a->alloc);
    free(a->mask);
    free(a->snapshot);
    memset(a, 0, sizeof *a);
}

static inline unsigned char *harness_array_at(const harness_array *a,
                                              const int64_t *index)
{
    return a->data + harness_byte_offset(a->ndim, a->strides, index);
}

/* Remembers every byte of the allocation, to compare after a call. */
static inline void harness_array_snapshot(harness_array *a)
{
    memcpy(a->snapshot, a->alloc, a->alloc_size);
}

/* Every byte of the allocation is as in the snapshot (inputs, error paths). */
static inline int harness_array_unchanged(const harness_array *a, const char *what,
                                          const char *file, int line)
{
    harness_checks++;
    for (size_t i = 0; i < a->alloc_size; i++)
        if (a->alloc[i] != a->snapshot[i]) {
            harness_fail_at(file, line, "%s: byte %zd (relative to the base "
                            "pointer) was modified", what,
                            (ptrdiff_t)i - (a->data ? a->data - a->alloc : 0));
            return 0;
        }
    return 1;
}
#define CHECK_UNCHANGED(a, what) harness_array_unchanged((a), (what), __FILE__, __LINE__)

/* Every byte that is not part of an element is as in the snapshot. */
static inline int harness_array_outside_unchanged(const harness_array *a, const char *what,
                                                  const char *file, int line)
{
    harness_checks++;
    for (size_t i = 0; i < a->alloc_size; i++)
        if (!a->mask[i] && a->alloc[i] != a->snapshot[i]) {
            harness_fail_at(file, line, "%s: byte %zd (relative to the base "
                            "pointer) outside the elements was modified", what,
                            (ptrdiff_t)i - (a->data ? a->data - a->alloc : 0));
            return 0;
        }
    return 1;
}
#define CHECK_OUTSIDE_UNCHANGED(a, what) \
    harness_array_outside_unchanged((a), (what), __FILE__, __LINE__)

/* "shape [2,3] strides [-24,8] +5" for case descriptions. */
static inline const char *harness_array_describe(const harness_array *a, char *buf,
                                                 size_t size)
{
    char s1[256], s2[256];
    snprintf(buf, size, "shape %s strides %s align+%d%s",
             harness_format_dims(s1, sizeof s1, a->ndim, a->shape),
             harness_format_dims(s2, sizeof s2, a->ndim, a->strides),
             a->data ? (int)((uintptr_t)a->data % 64) : 0, a->data ? "" : " NULL");
    return buf;
}

#endif /* NDKERN_TEST_HARNESS_H */
