/*
 * test_api.c -- the small helpers: ndkern_strerror, ndkern_status_name,
 * ndkern_version, ndkern_dtype_size, the thread setting (including
 * NDKERN_NUM_THREADS), the SIMD level (including NDKERN_SIMD, checked in
 * child processes with their own environment), and concurrent calls from
 * several threads.
 */
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_CONFIG_H
#include "config.h" /* NDKERN_HAVE_*_KERNELS: the library has that level */
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#define PROGRAM "test_api"

extern char **environ;

/* Every code of enum ndkern_status with its name, spelled by the header. */
#define CODE_AND_NAME(code) {code, #code}
static const struct {
    int code;
    const char *name;
} all_codes[] = {
    CODE_AND_NAME(NDKERN_OK), CODE_AND_NAME(NDKERN_EINVAL), CODE_AND_NAME(NDKERN_EDTYPE),
    CODE_AND_NAME(NDKERN_ESHAPE), CODE_AND_NAME(NDKERN_EOVERLAP), CODE_AND_NAME(NDKERN_ENOMEM),
    CODE_AND_NAME(NDKERN_EOVERFLOW),
};
#define N_CODES ((int)(sizeof all_codes / sizeof all_codes[0]))
/* Values that are not codes. */
static const int unknown_codes[] = {1, 2, -7, -8, 100, -100, INT_MIN, INT_MAX};
#define N_UNKNOWN ((int)(sizeof unknown_codes / sizeof unknown_codes[0]))

static void test_strerror(void)
{
    const char *texts[N_CODES];
    harness_set_context("ndkern_strerror");
    for (int i = 0; i < N_CODES; i++) {
        texts[i] = ndkern_strerror(all_codes[i].code);
        if (CHECKF(texts[i] != NULL, "ndkern_strerror(%d) is NULL", all_codes[i].code))
            CHECKF(texts[i][0] != '\0', "ndkern_strerror(%d) is empty", all_codes[i].code);
        else
            texts[i] = "";
    }
    for (int i = 0; i < N_CODES; i++)
        for (int j = i + 1; j < N_CODES; j++)
            CHECKF(strcmp(texts[i], texts[j]) != 0, "codes %d and %d share the text \"%s\"",
                   all_codes[i].code, all_codes[j].code, texts[i]);
    for (int u = 0; u < N_UNKNOWN; u++) {
        const char *text = ndkern_strerror(unknown_codes[u]);
        if (!CHECKF(text != NULL && text[0] != '\0', "ndkern_strerror(%d) NULL or empty",
                    unknown_codes[u]))
            continue;
        for (int i = 0; i < N_CODES; i++)
            CHECKF(strcmp(text, texts[i]) != 0, "unknown code %d described as code %d: \"%s\"",
                   unknown_codes[u], all_codes[i].code, text);
    }
}

/* Each code's name is its enum constant's; any other value is "NDKERN_UNKNOWN". */
static void test_status_name(void)
{
    harness_set_context("ndkern_status_name");
    for (int i = 0; i < N_CODES; i++) {
        const char *name = ndkern_status_name(all_codes[i].code);
        CHECKF(name != NULL && strcmp(name, all_codes[i].name) == 0,
               "ndkern_status_name(%d) is \"%s\", want \"%s\"", all_codes[i].code,
               name ? name : "(NULL)", all_codes[i].name);
    }
    for (int u = 0; u < N_UNKNOWN; u++) {
        const char *name = ndkern_status_name(unknown_codes[u]);
        CHECKF(name != NULL && strcmp(name, "NDKERN_UNKNOWN") == 0,
               "ndkern_status_name(%d) is \"%s\", want \"NDKERN_UNKNOWN\"",
               unknown_codes[u], name ? name : "(NULL)");
    }
}

static void test_version(void)
{
    char want[64];
    const char *v = ndkern_version();
    harness_set_context("ndkern_version");
    snprintf(want, sizeof want, "%d.%d.%d", NDKERN_VERSION_MAJOR, NDKERN_VERSION_MINOR,
             NDKERN_VERSION_PATCH);
    if (CHECK(v != NULL))
        CHECKF(strcmp(v, want) == 0, "ndkern_version() is \"%s\", the header says \"%s\"", v,
               want);
    CHECK(ndkern_version() != NULL && strcmp(ndkern_version(), want) == 0);
}

static void test_dtype_size(void)
{
    static const int sizes[REF_NDTYPES] = {1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 8, 16};
    static const int bad[] = {-1, NDKERN_FLOAT16 + 1, NDKERN_FLOAT16 + 2, 64, 255, INT_MIN,
                              INT_MAX};
    harness_set_context("ndkern_dtype_size");
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        CHECKF(ndkern_dtype_size(dt) == sizes[dt], "ndkern_dtype_size(%s) is %d, want %d",
               dtype_name(dt), ndkern_dtype_size(dt), sizes[dt]);
        CHECK(ref_dtypes[dt].code == dt && ref_dtypes[dt].size == sizes[dt]);
    }
    CHECK(ndkern_dtype_size(NDKERN_BOOL) == 1 && ndkern_dtype_size(NDKERN_FLOAT16) == 2);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(ndkern_dtype_size(bad[i]) == NDKERN_EDTYPE, "ndkern_dtype_size(%d) is %d",
               bad[i], ndkern_dtype_size(bad[i]));
}

/* What n == 0 restores: NDKERN_NUM_THREADS when it is a valid count, else
 * the number of online CPUs. */
static int default_threads(void)
{
    const char *env = getenv("NDKERN_NUM_THREADS");
    if (env != NULL) {
        char *end;
        long n;
        errno = 0;
        n = strtol(env, &end, 10);
        if (errno == 0 && end != env && *end == '\0' && n >= 1 && n <= 1024)
            return (int)n;
        return -1;   /* not a valid count: unspecified */
    }
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static void test_threads_setting(void)
{
    static const int invalid[] = {-1, -2, 1025, 100000, INT_MIN, INT_MAX};
    int initial = ndkern_get_num_threads(), def = default_threads();
    harness_set_context("ndkern_set_num_threads / ndkern_get_num_threads");
    CHECKF(initial >= 1, "initial thread count %d", initial);
    if (def > 0)
        CHECKF(initial == def, "initial thread count %d, the default is %d", initial, def);
    CHECK_STATUS(ndkern_set_num_threads(1), NDKERN_OK);
    CHECK(ndkern_get_num_threads() == 1);
    CHECK_STATUS(ndkern_set_num_threads(7), NDKERN_OK);
    CHECK(ndkern_get_num_threads() == 7);
    CHECK_STATUS(ndkern_set_num_threads(1024), NDKERN_OK);
    CHECK(ndkern_get_num_threads() == 1024);
    CHECK_STATUS(ndkern_set_num_threads(3), NDKERN_OK);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        CHECK_STATUS(ndkern_set_num_threads(invalid[i]), NDKERN_EINVAL);
        CHECKF(ndkern_get_num_threads() == 3, "a rejected count (%d) changed the setting to %d",
               invalid[i], ndkern_get_num_threads());
    }
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
    CHECKF(ndkern_get_num_threads() >= 1, "default thread count %d", ndkern_get_num_threads());
    if (def > 0)
        CHECKF(ndkern_get_num_threads() == def, "set(0) restored %d, the default is %d",
               ndkern_get_num_threads(), def);
}

/* Many threads on a large sum give the same bits as one. */
static void test_many_threads(void)
{
    int64_t n = 3000017, shape[1] = {3000017}, strides[1] = {8};
    double *x = harness_malloc(sizeof(double) * (size_t)n);
    double one_thread, many;
    harness_set_context("sum of 3M float64 with 1 and 64 threads");
    for (int64_t i = 0; i < n; i++)
        x[i] = (rng_unit() - 0.5) * ldexp(1, (int)rng_range(-20, 20));
    CHECK_STATUS(ndkern_set_num_threads(1), NDKERN_OK);
    CHECK_STATUS(sum_array(x, strides, 1, shape, NDKERN_FLOAT64, 1, &one_thread, NULL,
                           NDKERN_FLOAT64), NDKERN_OK);
    CHECK_STATUS(ndkern_set_num_threads(64), NDKERN_OK);
    CHECK_STATUS(sum_array(x, strides, 1, shape, NDKERN_FLOAT64, 1, &many, NULL,
                           NDKERN_FLOAT64), NDKERN_OK);
    CHECKF(memcmp(&one_thread, &many, sizeof many) == 0, "%.17g with 1 thread, %.17g with 64",
           one_thread, many);
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
    free(x);
}

/* ---------------------------------------------------------------- SIMD */

/* The best level this machine and build run, from the flags Linux lists in
 * /proc/cpuinfo: avx2 (avx512f) only when the kernel saves the AVX (AVX-512)
 * state; neon on every aarch64 CPU.  Capped at `cap` (a level name) as
 * NDKERN_SIMD caps the library. */
static const char *best_level(const char *cap)
{
    const char *best = "baseline";
#if defined(__aarch64__) && defined(NDKERN_HAVE_NEON_KERNELS)
    if (strcmp(cap, "baseline") != 0)
        best = "neon";
#elif defined(__x86_64__) || defined(_M_X64)
    FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
    char line[8192];
    int avx2 = 0, fma = 0, avx512f = 0;
    if (cpuinfo == NULL)
        return best;
    while (fgets(line, sizeof line, cpuinfo))
        if (strncmp(line, "flags", 5) == 0) {
            for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
                avx2 |= strcmp(tok, "avx2") == 0;
                fma |= strcmp(tok, "fma") == 0;
                avx512f |= strcmp(tok, "avx512f") == 0;
            }
            break;
        }
    fclose(cpuinfo);
    if (avx2 && fma && strcmp(cap, "baseline") != 0) {
        best = "avx2";
#if defined(NDKERN_HAVE_AVX512_KERNELS)
        if (avx512f && strcmp(cap, "avx2") != 0)
            best = "avx512";
#else
        (void)avx512f;
#endif
    }
#else
    (void)cap;
#endif
    return best;
}

/* Index of a level name among this architecture's levels, lowest first
 * (baseline < avx2 < avx512, or baseline < neon), or -1. */
static int level_rank(const char *level)
{
#if defined(__aarch64__)
    static const char *const names[] = {"baseline", "neon"};
#else
    static const char *const names[] = {"baseline", "avx2", "avx512"};
#endif
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(level, names[i]) == 0)
            return i;
    return -1;
}

#if defined(__aarch64__)
/* Linux's aarch64 AT_HWCAP / AT_HWCAP2 bits (asm/hwcap.h) that matter to
 * array kernels: what a later level could use beyond NEON. */
static const struct {
    int hwcap2;
    unsigned long bit;
    const char *name;
} arm_features[] = {
    {0, 1ul << 0, "fp"},       {0, 1ul << 1, "asimd"},    {0, 1ul << 9, "fphp"},
    {0, 1ul << 10, "asimdhp"}, {0, 1ul << 20, "asimddp"}, {0, 1ul << 22, "sve"},
    {0, 1ul << 23, "asimdfhm"}, {1, 1ul << 1, "sve2"},    {1, 1ul << 13, "i8mm"},
    {1, 1ul << 14, "bf16"},
};

/* Prints what the CPU has (AT_HWCAP); the neon level needs fp and asimd. */
static void check_arm_features(const char *level)
{
    const unsigned long hwcap[2] = {getauxval(AT_HWCAP), getauxval(AT_HWCAP2)};
    const unsigned long neon = (1ul << 0) | (1ul << 1);
    printf("%s: AT_HWCAP 0x%lx, AT_HWCAP2 0x%lx:", PROGRAM, hwcap[0], hwcap[1]);
    for (size_t i = 0; i < sizeof arm_features / sizeof arm_features[0]; i++)
        if (hwcap[arm_features[i].hwcap2] & arm_features[i].bit)
            printf(" %s", arm_features[i].name);
    printf("\n");
    if (strcmp(level, "neon") == 0)
        CHECKF((hwcap[0] & neon) == neon, "neon kernels on a CPU without fp + asimd");
}
#endif

static void test_simd_level(void)
{
    const char *level = ndkern_simd_level();
    harness_set_context("ndkern_simd_level");
    if (CHECK(level != NULL)) {
        CHECKF(level_rank(level) >= 0, "ndkern_simd_level() is \"%s\"", level);
        CHECK(strcmp(ndkern_simd_level(), level) == 0);
        CHECKF(level_rank(level) <= level_rank(best_level("avx512")),
               "%s kernels chosen on a CPU whose best level is %s", level,
               best_level("avx512"));
#if defined(__aarch64__)
        check_arm_features(level);
#endif
    }
}


/*
 * Runs this program again as "test_api --child MODE" with `assignments`
 * ("NAME=value" to set, "NAME" to remove) applied to the environment, and
 * checks that the child's own checks pass.
 */
static void run_child(const char *mode, const char *const *assignments, int count)
{
    pid_t pid;
    int status;
    harness_set_context("child process --child %s", mode);
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        HARNESS_ERROR("fork failed");
    if (pid == 0) {
        char *argv[4] = {(char *)PROGRAM, (char *)"--child", (char *)mode, NULL};
        for (int i = 0; i < count; i++) {
            const char *eq = strchr(assignments[i], '=');
            if (eq == NULL) {
                unsetenv(assignments[i]);
            } else {
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)(eq - assignments[i]), assignments[i]);
                setenv(name, eq + 1, 1);
            }
        }
        unsetenv("NDKERN_TEST_EXPECT_SIMD");
        test_exec_self(argv);
        printf("ERROR: cannot execute this program again (/proc/self/exe)\n");
        _exit(99);
    }
    if (waitpid(pid, &status, 0) != pid)
        HARNESS_ERROR("waitpid failed");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
        HARNESS_ERROR("child %s could not run", mode);
    CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "child --child %s failed (wait status 0x%x)", mode, (unsigned)status);
}

static void test_environment(void)
{
    const char *auto_env[] = {"NDKERN_SIMD"};
    const char *bogus_env[] = {"NDKERN_SIMD=sse9"};
    const char *baseline_env[] = {"NDKERN_SIMD=baseline"};
    const char *avx2_env[] = {"NDKERN_SIMD=avx2"};
    const char *avx512_env[] = {"NDKERN_SIMD=avx512"};
    const char *neon_env[] = {"NDKERN_SIMD=neon"};
    const char *threads3_env[] = {"NDKERN_NUM_THREADS=3"};
    const char *bad_threads[][1] = {{"NDKERN_NUM_THREADS=abc"}, {"NDKERN_NUM_THREADS=0"},
                                    {"NDKERN_NUM_THREADS=-4"}, {"NDKERN_NUM_THREADS=99999"},
                                    {"NDKERN_NUM_THREADS="}};
    run_child("simd-best", auto_env, 1);
    run_child("simd-best", bogus_env, 1);
    run_child("simd-best", avx512_env, 1);
    run_child("simd-baseline", baseline_env, 1);
    run_child("simd-avx2", avx2_env, 1);
    run_child("simd-neon", neon_env, 1);
    run_child("threads-3", threads3_env, 1);
    for (size_t i = 0; i < sizeof bad_threads / sizeof bad_threads[0]; i++)
        run_child("threads-any", bad_threads[i], 1);
}

/* The checks a child process makes about its environment. */
static int child_main(const char *mode)
{
    const char *level = ndkern_simd_level();
    char name[64];
    snprintf(name, sizeof name, PROGRAM " --child %s", mode);
    harness_checks = harness_failures = 0;
    harness_set_context("%s, NDKERN_SIMD=%s NDKERN_NUM_THREADS=%s", name,
                        getenv("NDKERN_SIMD") ? getenv("NDKERN_SIMD") : "(unset)",
                        getenv("NDKERN_NUM_THREADS") ? getenv("NDKERN_NUM_THREADS") : "(unset)");
    if (strncmp(mode, "simd-", 5) == 0) {
        /* The best level the machine runs, capped by NDKERN_SIMD (the
         * x86-64 build has avx2, aarch64 neon; another architecture's
         * name caps nothing; simd-best: unset, unknown or avx512). */
        const char *want = best_level(strcmp(mode, "simd-best") == 0 ? "avx512" : mode + 5);
        CHECKF(strcmp(level, want) == 0, "level \"%s\", want \"%s\"", level, want);
    } else if (strcmp(mode, "threads-3") == 0) {
        CHECKF(ndkern_get_num_threads() == 3, "NDKERN_NUM_THREADS=3 but %d threads",
               ndkern_get_num_threads());
        CHECK_STATUS(ndkern_set_num_threads(5), NDKERN_OK);
        CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
        CHECKF(ndkern_get_num_threads() == 3, "set(0) gave %d, NDKERN_NUM_THREADS=3",
               ndkern_get_num_threads());
    } else if (strcmp(mode, "threads-any") == 0) {
        int64_t shape[1] = {200000}, strides[1] = {0};
        double x = 0.5, sum = 0;
        int n = ndkern_get_num_threads();
        CHECKF(n >= 1 && n <= 1024, "%d threads", n);
        CHECK_STATUS(sum_array(&x, strides, 1, shape, NDKERN_FLOAT64, 1, &sum, NULL,
                               NDKERN_FLOAT64), NDKERN_OK);
        CHECKF(sum == 100000.0, "sum %.17g", sum);
    } else {
        HARNESS_ERROR("unknown child mode %s", mode);
    }
    if (harness_failures)
        printf("%s: %lu of %lu checks failed\n", name, harness_failures, harness_checks);
    return harness_failures ? 1 : 0;
}

/* ---------------------------------------------------------------- threads */

/* Each worker repeats a sum, a square and a convolution on its own data
 * while the main thread changes the thread setting; every result must equal
 * the one computed before. */
struct worker {
    pthread_t thread;
    int id;
    double *x;              /* 400000 values */
    double sum_want;
    float *image, *conv_want, *conv_got, *sq_want, *sq_got;
    int failures;
};

#define WORKER_N 400000
#define WORKER_SIDE 300

static int worker_round(struct worker *w, int first)
{
    int64_t shape[1] = {WORKER_N}, strides[1] = {8};
    int64_t is[2] = {WORKER_SIDE, WORKER_SIDE}, ist[2] = {4 * WORKER_SIDE, 4};
    int64_t ks[2] = {3, 3}, kst[2] = {12, 4};
    static const float kernel[9] = {1, 2, 1, 0, -1, 0, 0.5f, 0.25f, 3};
    double sum;
    int bad = 0;
    bad |= sum_array(w->x, strides, 1, shape, NDKERN_FLOAT64, 1, &sum, NULL,
                     NDKERN_FLOAT64) != NDKERN_OK;
    bad |= square_array(w->image, ist, first ? w->sq_want : w->sq_got, ist, 2, is,
                        NDKERN_FLOAT32) != NDKERN_OK;
    bad |= convolve2d(w->image, is, ist, kernel, ks, kst, first ? w->conv_want : w->conv_got,
                      is, ist, NDKERN_FLOAT32, NDKERN_MODE_SAME, NDKERN_BOUNDARY_SYMM,
                      NULL) != NDKERN_OK;
    if (first) {
        w->sum_want = sum;
        return bad;
    }
    bad |= memcmp(&sum, &w->sum_want, sizeof sum) != 0;
    bad |= memcmp(w->sq_got, w->sq_want, sizeof(float) * WORKER_SIDE * WORKER_SIDE) != 0;
    bad |= memcmp(w->conv_got, w->conv_want, sizeof(float) * WORKER_SIDE * WORKER_SIDE) != 0;
    return bad;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int round = 0; round < 12; round++)
        w->failures += worker_round(w, 0);
    return NULL;
}

static void test_concurrent_calls(void)
{
    enum { N_WORKERS = 4 };
    struct worker workers[N_WORKERS];
    size_t plane = sizeof(float) * WORKER_SIDE * WORKER_SIDE;
    harness_set_context("concurrent calls from %d threads", N_WORKERS);
    for (int i = 0; i < N_WORKERS; i++) {
        struct worker *w = &workers[i];
        memset(w, 0, sizeof *w);
        w->id = i;
        w->x = harness_malloc(sizeof(double) * WORKER_N);
        w->image = harness_malloc(plane);
        w->conv_want = harness_malloc(plane);
        w->conv_got = harness_malloc(plane);
        w->sq_want = harness_malloc(plane);
        w->sq_got = harness_malloc(plane);
        for (int64_t k = 0; k < WORKER_N; k++)
            w->x[k] = rng_unit() - 0.25;
        for (int64_t k = 0; k < WORKER_SIDE * WORKER_SIDE; k++)
            w->image[k] = (float)(rng_unit() * 8 - 4);
        CHECK(worker_round(w, 1) == 0);
    }
    for (int i = 0; i < N_WORKERS; i++)
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
            HARNESS_ERROR("pthread_create failed");
    for (int k = 0; k < 200; k++)
        ndkern_set_num_threads(1 + k % 4);
    for (int i = 0; i < N_WORKERS; i++) {
        pthread_join(workers[i].thread, NULL);
        CHECKF(workers[i].failures == 0, "worker %d: %d rounds failed or differed", i,
               workers[i].failures);
        free(workers[i].x);
        free(workers[i].image);
        free(workers[i].conv_want);
        free(workers[i].conv_got);
        free(workers[i].sq_want);
        free(workers[i].sq_got);
    }
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
}

static const struct harness_test tests[] = {
    HARNESS_TEST(strerror), HARNESS_TEST(status_name), HARNESS_TEST(version),
    HARNESS_TEST(dtype_size), HARNESS_TEST(simd_level), HARNESS_TEST(threads_setting),
    HARNESS_TEST(many_threads), HARNESS_TEST(environment), HARNESS_TEST(concurrent_calls),
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return child_main(argv[2]);
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
