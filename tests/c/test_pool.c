/*
 * test_pool.c -- the persistent worker pool behind threaded calls, through
 * the public API:
 *  - calls from 8 threads at once give the single-threaded results bit for
 *    bit, with the setting fixed and while another thread keeps changing it,
 *    and the process never holds more threads than the callers plus the
 *    setting (a busy pool is not multiplied);
 *  - the pool keeps its threads between calls, shrinks when the setting
 *    falls and grows again; repeated setting changes between calls;
 *  - fork while other threads use the pool: the child calls the library
 *    (threaded) and exits cleanly, the parent's callers are unaffected;
 *  - a process exits (exit(), destructors and all) while calls are running
 *    and while the pool is idle.
 * Thread counts are read from /proc/self/task (Linux); the results checks
 * run everywhere.
 */
#include "common.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "test_pool"

#define N_CALLERS 8
#define SUM_N 2200000           /* float64: > 2 threads' grain of a sum */
#define ROWS 700                /* float64 matrix summed over its rows */
#define COLS 1500
/* Sizes above the cost rule's grain (ndk_threads_for_cost, pool.c: 150 us
 * estimated per thread, at 128 flops and 16 bytes per ns). */
#define SIDE 600                /* float32 image convolved 7x7: ~460 us, 3 threads */
#define KSIDE 7
#define BIG_SIDE 1000           /* ~1.3 ms: enough for 4 threads */
/* Bound on any wait for a child process or for helpers to exit. */
#define TIMEOUT_SECONDS 60

/* Inputs shared read-only by every caller, and their single-thread
 * results. */
struct workload {
    double *x, *matrix;
    float *image, *kernel;
    double sum;
    double *column_sums;        /* COLS */
    float *convolved;           /* SIDE x SIDE */
};

/* One run's results. */
struct results {
    double sum;
    double column_sums[COLS];
    float convolved[SIDE * SIDE];
};

static int convolve_square(const float *image, const float *kernel, float *out, int64_t side)
{
    int64_t shape[2] = {side, side}, strides[2] = {4 * side, 4};
    int64_t kshape[2] = {KSIDE, KSIDE}, kstrides[2] = {4 * KSIDE, 4};
    return convolve2d(image, shape, strides, kernel, kshape, kstrides, out, shape, strides,
                      NDKERN_FLOAT32, NDKERN_MODE_SAME, NDKERN_BOUNDARY_SYMM, NULL);
}

/* A long sum (single output), column sums (per-worker scratch) and a
 * convolution; nonzero if any call failed. */
static int run_workload(const struct workload *w, struct results *r)
{
    int64_t n[1] = {SUM_N}, n_strides[1] = {8};
    int64_t t_shape[2] = {COLS, ROWS}, t_strides[2] = {8, 8 * COLS}, out_strides[1] = {8};
    int bad = sum_array(w->x, n_strides, 1, n, NDKERN_FLOAT64, 1, &r->sum, NULL,
                        NDKERN_FLOAT64) != NDKERN_OK;
    bad |= sum_array(w->matrix, t_strides, 2, t_shape, NDKERN_FLOAT64, 1, r->column_sums,
                     out_strides, NDKERN_FLOAT64) != NDKERN_OK;
    bad |= convolve_square(w->image, w->kernel, r->convolved, SIDE) != NDKERN_OK;
    return bad;
}

/* Whether `r` equals the single-thread results bit for bit. */
static int matches(const struct workload *w, const struct results *r)
{
    return memcmp(&r->sum, &w->sum, sizeof r->sum) == 0 &&
           memcmp(r->column_sums, w->column_sums, sizeof r->column_sums) == 0 &&
           memcmp(r->convolved, w->convolved, sizeof r->convolved) == 0;
}

static void workload_init(struct workload *w)
{
    w->x = harness_malloc(sizeof(double) * SUM_N);
    w->matrix = harness_malloc(sizeof(double) * ROWS * COLS);
    w->image = harness_malloc(sizeof(float) * BIG_SIDE * BIG_SIDE);
    w->kernel = harness_malloc(sizeof(float) * KSIDE * KSIDE);
    w->column_sums = harness_malloc(sizeof(double) * COLS);
    w->convolved = harness_malloc(sizeof(float) * SIDE * SIDE);
    for (int64_t i = 0; i < SUM_N; i++)
        w->x[i] = (rng_unit() - 0.5) * ldexp(1, (int)rng_range(-20, 20));
    for (int64_t i = 0; i < ROWS * COLS; i++)
        w->matrix[i] = rng_unit() * 4 - 1;
    for (int64_t i = 0; i < BIG_SIDE * BIG_SIDE; i++)
        w->image[i] = (float)(rng_unit() * 8 - 4);
    for (int64_t i = 0; i < KSIDE * KSIDE; i++)
        w->kernel[i] = (float)(rng_unit() * 2 - 1);

    struct results *r = harness_malloc(sizeof *r);
    CHECK_STATUS(ndkern_set_num_threads(1), NDKERN_OK);
    CHECK(run_workload(w, r) == 0);
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
    w->sum = r->sum;
    memcpy(w->column_sums, r->column_sums, sizeof r->column_sums);
    memcpy(w->convolved, r->convolved, sizeof r->convolved);
    free(r);
}

/* The inputs and single-thread results, made by the first test that needs
 * them; they stay reachable until exit. */
static const struct workload *workload(void)
{
    static struct workload w;
    static int made;
    if (!made) {
        workload_init(&w);
        made = 1;
    }
    return &w;
}

/* Threads of this process, or -1 where /proc/self/task cannot be read. */
static int count_threads(void)
{
    DIR *dir = opendir("/proc/self/task");
    if (dir == NULL)
        return -1;
    int n = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir))
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* Threads before the pool starts: 1, or more where a tool adds its own. */
static int initial_threads;

static void *no_op(void *arg)
{
    return arg;
}

/* Counts the threads after one was created and joined: a tool that starts
 * its own thread with the first pthread_create (TSan) has done so. */
static int count_initial_threads(void)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, no_op, NULL) != 0)
        HARNESS_ERROR("pthread_create failed");
    pthread_join(thread, NULL);
    return count_threads();
}

/* ---------------------------------------------------------------- callers */

/* A thread repeating the workload: `rounds` times, or until `stop` when
 * rounds is 0.  Failures are counted here (the harness is not thread-safe)
 * and checked by the main thread. */
struct caller {
    pthread_t thread;
    const struct workload *w;
    int rounds;
    atomic_int *stop;
    atomic_int *finished;
    int failures;
};

static void *caller_main(void *arg)
{
    struct caller *c = arg;
    struct results *r = malloc(sizeof *r);
    for (int i = 0; r != NULL && (c->rounds == 0 ? !atomic_load(c->stop) : i < c->rounds); i++)
        c->failures += run_workload(c->w, r) != 0 || !matches(c->w, r);
    c->failures += r == NULL;
    free(r);
    atomic_fetch_add(c->finished, 1);
    return NULL;
}

static void start_callers(struct caller *callers, int n, const struct workload *w, int rounds,
                          atomic_int *stop, atomic_int *finished)
{
    for (int i = 0; i < n; i++) {
        callers[i] = (struct caller){0, w, rounds, stop, finished, 0};
        if (pthread_create(&callers[i].thread, NULL, caller_main, &callers[i]) != 0)
            HARNESS_ERROR("pthread_create failed");
    }
}

static void join_callers(struct caller *callers, int n)
{
    for (int i = 0; i < n; i++) {
        pthread_join(callers[i].thread, NULL);
        CHECKF(callers[i].failures == 0, "caller %d: %d rounds failed or differed", i,
               callers[i].failures);
    }
}

/* 8 callers at once.  With `resize` the main thread cycles the setting
 * through 1..8 and the default while they run.  The thread count sampled
 * meanwhile never exceeds the callers plus one pool (setting - 1 helpers). */
static void concurrent_callers(int resize)
{
    const struct workload *w = workload();
    static const int settings[] = {2, 1, 3, 8, 0, 4, 2, 7, 1, 5};
    const int nsettings = (int)(sizeof settings / sizeof settings[0]);
    struct caller callers[N_CALLERS];
    atomic_int stop = 0, finished = 0;
    harness_set_context("%d concurrent callers, %s", N_CALLERS,
                        resize ? "setting changed while they run" : "2 threads");
    CHECK_STATUS(ndkern_set_num_threads(2), NDKERN_OK);
    start_callers(callers, N_CALLERS, w, 4, &stop, &finished);
    int most_threads = 0, most_helpers = 1;
    for (int k = 0; atomic_load(&finished) < N_CALLERS; k++) {
        if (resize)
            CHECK_STATUS(ndkern_set_num_threads(settings[k % nsettings]), NDKERN_OK);
        int helpers = ndkern_get_num_threads() - 1;
        most_helpers = helpers > most_helpers ? helpers : most_helpers;
        int n = count_threads();
        most_threads = n > most_threads ? n : most_threads;
        sleep_ms(1);
    }
    join_callers(callers, N_CALLERS);
    CHECKF(most_threads <= initial_threads + N_CALLERS + most_helpers,
           "%d threads seen; at most %d + %d callers + %d helpers expected", most_threads,
           initial_threads, N_CALLERS, most_helpers);
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
}

/* ------------------------------------------------------------ pool size */

/* Threads beyond the initial ones, waiting up to TIMEOUT_SECONDS for the
 * count to become `want` (helpers exit asynchronously). */
static int helpers_settle(int want)
{
    int n = count_threads() - initial_threads;
    for (int waited = 0; n != want && waited < TIMEOUT_SECONDS * 100; waited++) {
        sleep_ms(10);
        n = count_threads() - initial_threads;
    }
    return n;
}

/* A big convolution with `threads` threads equals the single-thread one. */
static void check_big_convolution(const struct workload *w, int threads, const float *want,
                                  float *got)
{
    CHECK_STATUS(ndkern_set_num_threads(threads), NDKERN_OK);
    CHECK_STATUS(convolve_square(w->image, w->kernel, got, BIG_SIDE), NDKERN_OK);
    CHECKF(memcmp(got, want, sizeof(float) * BIG_SIDE * BIG_SIDE) == 0,
           "%d threads differ from 1", threads);
}

/* Helpers are started once and kept: setting - 1 of them after a big call,
 * the same after many; none after the setting falls to 1; back on demand. */
static void test_pool_size(void)
{
    const struct workload *w = workload();
    size_t plane = sizeof(float) * BIG_SIDE * BIG_SIDE;
    float *want = harness_malloc(plane), *got = harness_malloc(plane);
    harness_set_context("pool size follows ndkern_set_num_threads");
    CHECK_STATUS(ndkern_set_num_threads(1), NDKERN_OK);
    CHECK_STATUS(convolve_square(w->image, w->kernel, want, BIG_SIDE), NDKERN_OK);
    const int counted = count_threads() >= 0;
    check_big_convolution(w, 4, want, got);
    int helpers = counted ? helpers_settle(3) : 3;
    CHECKF(helpers == 3, "4 threads: %d helpers, 3 expected", helpers);
    for (int i = 0; i < 20; i++)
        check_big_convolution(w, 4, want, got);
    helpers = counted ? helpers_settle(3) : 3;
    CHECKF(helpers == 3, "after 20 calls: %d helpers, 3 expected", helpers);
    CHECK_STATUS(ndkern_set_num_threads(1), NDKERN_OK);
    helpers = counted ? helpers_settle(0) : 0;
    CHECKF(helpers == 0, "setting 1: %d helpers left", helpers);
    check_big_convolution(w, 2, want, got);
    helpers = counted ? helpers_settle(1) : 1;
    CHECKF(helpers == 1, "2 threads: %d helpers, 1 expected", helpers);
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
    free(want);
    free(got);
}

/* The setting changed before every call, many times. */
static void test_repeated_settings(void)
{
    const struct workload *w = workload();
    struct results *r = harness_malloc(sizeof *r);
    harness_set_context("ndkern_set_num_threads before each of 40 calls");
    for (int i = 0; i < 40; i++) {
        int threads = i % 5 == 4 ? 0 : 1 + (i * 3) % 8;
        CHECK_STATUS(ndkern_set_num_threads(threads), NDKERN_OK);
        if (threads > 0)
            CHECK(ndkern_get_num_threads() == threads);
        CHECKF(run_workload(w, r) == 0 && matches(w, r), "call %d with setting %d differs", i,
               threads);
    }
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
    free(r);
}

/* ----------------------------------------------------------------- fork */

/* Waits for `child` and checks that it exited (children bound their run
 * time with alarm()), with status 0 if `want_status`. */
static void check_child_exit(pid_t child, const char *what, int want_status)
{
    int status;
    if (waitpid(child, &status, 0) != child)
        HARNESS_ERROR("waitpid failed");
    CHECKF(WIFEXITED(status) && (!want_status || WEXITSTATUS(status) == 0), "%s: %s %d", what,
           WIFEXITED(status) ? "exit status" : "killed by signal",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* In a fork child: threaded calls, the verdict written to `verdict_fd`,
 * then _exit.  The child starts its own pool: its thread count grows by
 * exactly one helper.  Its exit status is not the verdict: it holds copies
 * of blocks only the parent's threads reference, which valgrind's leak
 * check counts as lost in the child and reports through the status. */
static void fork_child(const struct workload *w, int verdict_fd)
{
    alarm(TIMEOUT_SECONDS);
    /* qemu-user itself aborts (an assertion in its vCPU set-up) when the
     * child of a multi-threaded process starts threads: under an emulator
     * (NDKERN_TEST_EMULATOR) the child calls with one thread, so it checks
     * that the library works after fork but not the new pool; the native
     * runs check both. */
    const char *emulator = getenv("NDKERN_TEST_EMULATOR");
    const int threads = emulator != NULL && *emulator != '\0' ? 1 : 2;
    struct results *r = malloc(sizeof *r);
    int ok = r != NULL && ndkern_set_num_threads(threads) == NDKERN_OK;
    int before = count_threads();
    for (int i = 0; ok && i < 3; i++)
        ok = run_workload(w, r) == 0 && matches(w, r);
    if (before >= 0)
        ok = ok && count_threads() == before + (threads - 1);
    free(r);
    char verdict = ok ? 'y' : 'n';
    _exit(write(verdict_fd, &verdict, 1) == 1 ? 0 : 1);
}

/* gcc 12's AddressSanitizer allocator is not fork-safe: a fork while
 * another thread is inside malloc leaves the allocator's lock held in the
 * child, whose first malloc then hangs (the sanitizers lock it around fork
 * since llvm-project#75290, 2023, after gcc 12's copy).  glibc's malloc is
 * fork-safe, so other builds fork while 2 threads call the library; an
 * ASan build forks with the pool's helpers started but idle. */
#if defined(__SANITIZE_ADDRESS__)
#define FORK_WHILE_CALLING 0
#else
#define FORK_WHILE_CALLING 1
#endif

/* Forks 4 times while 2 threads keep calling the library. */
static void test_fork(void)
{
    const struct workload *w = workload();
    struct caller callers[2];
    atomic_int stop = 0, finished = 0;
    harness_set_context(FORK_WHILE_CALLING ? "fork while 2 threads call the library"
                                           : "fork with the pool idle (ASan build)");
    CHECK_STATUS(ndkern_set_num_threads(2), NDKERN_OK);
    struct results *idle_run = harness_malloc(sizeof *idle_run);
    CHECK(run_workload(w, idle_run) == 0 && matches(w, idle_run)); /* the helpers start */
    free(idle_run);
    if (FORK_WHILE_CALLING)
        start_callers(callers, 2, w, 0, &stop, &finished);
    for (int i = 0; i < 4; i++) {
        sleep_ms(3 + 5 * i);
        int verdict_pipe[2];
        char verdict = 0;
        fflush(stdout);
        if (pipe(verdict_pipe) != 0)
            HARNESS_ERROR("pipe failed");
        pid_t child = fork();
        if (child < 0)
            HARNESS_ERROR("fork failed");
        if (child == 0)
            fork_child(w, verdict_pipe[1]);
        close(verdict_pipe[1]);
        CHECKF(read(verdict_pipe[0], &verdict, 1) == 1 && verdict == 'y',
               "fork child %d: its calls failed or differed", i);
        close(verdict_pipe[0]);
        check_child_exit(child, "fork child", 0);
    }
    atomic_store(&stop, 1);
    if (FORK_WHILE_CALLING)
        join_callers(callers, 2);
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
}

/* "test_pool --exit-child busy|idle": exit() (atexit handlers and
 * destructors) while 2 threads are inside threaded calls, or with the pool
 * idle. */
static int exit_child_main(const char *state)
{
    static struct caller callers[2];
    static atomic_int stop, finished;
    alarm(TIMEOUT_SECONDS);
    const struct workload *w = workload();
    ndkern_set_num_threads(2);
    if (strcmp(state, "busy") == 0) {
        start_callers(callers, 2, w, 0, &stop, &finished);
        sleep_ms(20);
    } else {
        struct results *r = harness_malloc(sizeof *r);
        int bad = run_workload(w, r);
        free(r);
        exit(bad);
    }
    exit(0);
}

/* Runs this program again (a fresh process, not a fork copy) as an exit
 * child: it must exit with status 0 within its alarm. */
static void test_exit(void)
{
    static const char *const states[] = {"busy", "idle"};
    for (int i = 0; i < 2; i++) {
        harness_set_context("exit with the pool %s", states[i]);
        fflush(stdout);
        pid_t child = fork();
        if (child < 0)
            HARNESS_ERROR("fork failed");
        if (child == 0) {
            char *argv[4] = {(char *)PROGRAM, (char *)"--exit-child", (char *)states[i], NULL};
            test_exec_self(argv);
            _exit(99);
        }
        check_child_exit(child, states[i], 1);
    }
}

static void test_concurrent_callers(void)
{
    concurrent_callers(0);
}

static void test_concurrent_callers_resizing(void)
{
    concurrent_callers(1);
}

static const struct harness_test tests[] = {
    HARNESS_TEST(pool_size), HARNESS_TEST(concurrent_callers),
    HARNESS_TEST(concurrent_callers_resizing), HARNESS_TEST(repeated_settings),
    HARNESS_TEST(fork), HARNESS_TEST(exit),
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--exit-child") == 0)
        return exit_child_main(argv[2]);
    initial_threads = count_initial_threads();
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
