/*
 * pool.c -- the thread setting and the persistent worker pool that
 * ndk_parallel_for runs tasks on.
 *
 * Helper threads are started on the first threaded call and kept: a call
 * posts its job, wakes helpers, runs tasks itself as worker 0 and waits only
 * for helpers still inside one of its tasks.  One call at a time owns the
 * pool; a call that finds it owned (another thread's call, or a task calling
 * the library) runs all its tasks on its own thread, so concurrent callers
 * neither wait for each other nor start more threads than the setting.
 *
 * Helpers are detached and never joined: they sleep on a condition variable
 * and process exit does not wait for them.  The library is linked with
 * -z nodelete where the linker has it (configure.ac), so dlclose never
 * unmaps the code they sleep in.  A fork child has no helpers: the fork
 * handlers reset the pool and the child starts new ones on its first
 * threaded call.  Lowering the setting makes surplus helpers exit.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define NDK_MAX_THREADS 1024

/* The requested thread count (0: default) and the default, read once. */
static atomic_int requested_threads;
static int default_threads;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

/* A call's tasks; it lives on the calling thread's stack. */
struct pool_job {
    ndk_task_fn fn;
    void *ctx;
    int64_t ntasks;
    atomic_llong next;          /* the next task to hand out */
    int nthreads;               /* worker indices are [0, nthreads) */
    int joined;                 /* indices handed out; nthreads closes the job */
    int active;                 /* helpers inside its tasks */
    int raised;                 /* exception flags the helpers raised in its tasks */
};

static struct {
    pthread_mutex_t lock;       /* guards everything below but `owned` */
    pthread_cond_t wake;        /* helpers: a job was posted or the setting fell */
    pthread_cond_t left;        /* the owner: the last helper left its job */
    struct pool_job *job;       /* the posted job, or NULL */
    int helpers;                /* helper threads alive */
    atomic_int owned;           /* a call is running a job on the pool */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          NULL, 0, 0};

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int fork_safe;           /* the fork handlers are registered */

/* -------------------------------------------------------------------- fork */

/* fork() holds the lock, so the child's copy of the pool is consistent.
 * The child has no helpers and no running job; its condition variables
 * are made new (their recorded waiters were the parent's helpers). */
static void pool_prepare(void)
{
    pthread_mutex_lock(&pool.lock);
}

static void pool_parent(void)
{
    pthread_mutex_unlock(&pool.lock);
}

static void pool_child(void)
{
    pool.job = NULL;
    pool.helpers = 0;
    atomic_store(&pool.owned, 0);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.left, NULL);
    pthread_mutex_unlock(&pool.lock);
}

static void register_fork_handlers(void)
{
    fork_safe = pthread_atfork(pool_prepare, pool_parent, pool_child) == 0;
}

/* ----------------------------------------------------------------- setting */

static void read_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("NDKERN_NUM_THREADS");
    if (env != NULL && *env != '\0') {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1)
            n = v;
    }
    if (n < 1)
        n = 1;
    default_threads = n > NDK_MAX_THREADS ? NDK_MAX_THREADS : (int)n;
}

NDKERN_API int ndkern_get_num_threads(void)
{
    int n = atomic_load(&requested_threads);
    if (n > 0)
        return n;
    pthread_once(&default_once, read_default_threads);
    return default_threads;
}

NDKERN_API int ndkern_set_num_threads(int n)
{
    if (n < 0 || n > NDK_MAX_THREADS)
        return NDKERN_EINVAL;
    atomic_store(&requested_threads, n);
    /* Helpers beyond the new count exit when woken; the pool grows again
     * on demand.  The fork handlers first: a fork while this thread holds
     * the lock must not leave the child a locked pool. */
    pthread_once(&fork_once, register_fork_handlers);
    pthread_mutex_lock(&pool.lock);
    if (pool.helpers >= ndkern_get_num_threads())
        pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    return NDKERN_OK;
}

int ndk_threads_for(int64_t work, int64_t grain)
{
    int64_t n = ndkern_get_num_threads();
    int64_t useful = grain > 0 ? work / grain : n;
    if (useful < n)
        n = useful;
    return n < 1 ? 1 : (int)n;
}

/* The cost model of ndk_threads_for_cost: one thread's rates on the
 * machine it was measured on (a 2-vCPU Xeon VM with AVX-512, 2026-12-02,
 * single-thread timings of the direct 3x3 and 9x9 convolutions, square and
 * sum): about 128 flops per nanosecond in the vector convolution cores
 * (float32 9x9) and 16 bytes per nanosecond of memory traffic (3x3
 * convolutions and sums; square in place streams ~45).  An estimate is
 * within a factor of two of the measured time for those operations. */
#define COST_FLOPS_PER_NS 128
#define COST_BYTES_PER_NS 16
/* Estimated nanoseconds of work each thread must get, measured with the
 * threshold forced to zero and 1 thread against 2: handing tasks to a
 * sleeping helper and waiting for it costs ~25 us, and the second vCPU
 * gives ~1.6x at best, less for memory-bound work, so two threads lost up
 * to 2x below ~200 us of work (square 128 K float64, 3x3 convolution of
 * 256^2 float32) and gained 1.2-1.5x from ~300 us (3x3 of 512^2 float64,
 * 700^2 float32, 1000^2; square 1 M float64).  150 us per thread starts
 * the second thread at ~300 us. */
#define COST_THREAD_GRAIN_NS INT64_C(150000)

int ndk_threads_for_cost(int64_t flops, int64_t bytes)
{
    /* Each term is at most INT64_MAX / 16: the sum cannot overflow. */
    const int64_t ns = (flops < 0 ? 0 : flops / COST_FLOPS_PER_NS) +
                       (bytes < 0 ? 0 : bytes / COST_BYTES_PER_NS);
    return ndk_threads_for(ns, COST_THREAD_GRAIN_NS);
}

int ndk_threads_for_time(double ns)
{
    /* NaN and negative estimates count as no work; huge ones saturate. */
    const int64_t work = !(ns > 0) ? 0 : ns < 0x1p62 ? (int64_t)ns : INT64_C(1) << 62;
    return ndk_threads_for(work, COST_THREAD_GRAIN_NS);
}

/* ----------------------------------------------------------------- helpers */

static void run_tasks(struct pool_job *job, int worker)
{
    for (;;) {
        int64_t task = atomic_fetch_add(&job->next, 1);
        if (task >= job->ntasks)
            return;
        job->fn(job->ctx, task, worker);
    }
}

/* The posted job if it has a worker index left, else NULL.  Lock held. */
static struct pool_job *joinable_job(void)
{
    struct pool_job *job = pool.job;
    return job != NULL && job->joined < job->nthreads ? job : NULL;
}

static void *helper_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        struct pool_job *job = joinable_job();
        if (job == NULL) {
            if (pool.helpers >= ndkern_get_num_threads())
                break; /* surplus after the setting fell */
            pthread_cond_wait(&pool.wake, &pool.lock);
            continue;
        }
        int worker = job->joined++;
        job->active++;
        pthread_mutex_unlock(&pool.lock);
        ndk_fp_clear(); /* this job's exceptions only */
        run_tasks(job, worker);
        const int raised = ndk_fp_raised();
        pthread_mutex_lock(&pool.lock);
        job->raised |= raised;
        job->joined = job->nthreads; /* every task is handed out */
        if (--job->active == 0)
            pthread_cond_signal(&pool.left);
    }
    pool.helpers--;
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

/* Starts helpers until there are `wanted`; lock held.  Helpers block every
 * signal, so signals go to the application's own threads.  One that cannot
 * be started is tried again on a later call. */
static void start_helpers(int wanted)
{
    pthread_attr_t attr;
    if (pool.helpers >= wanted || pthread_attr_init(&attr) != 0)
        return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pthread_t thread;
    while (pool.helpers < wanted && pthread_create(&thread, &attr, helper_main, NULL) == 0)
        pool.helpers++;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    pthread_attr_destroy(&attr);
}

/* ----------------------------------------------------------- parallel loop */

/* Runs `job` on this thread and the pool's helpers; the caller owns the
 * pool. */
static void run_on_pool(struct pool_job *job)
{
    pthread_mutex_lock(&pool.lock);
    int setting = ndkern_get_num_threads();
    start_helpers((job->nthreads < setting ? job->nthreads : setting) - 1);
    pool.job = job;
    if (job->nthreads - 1 >= pool.helpers)
        pthread_cond_broadcast(&pool.wake);
    else
        for (int i = 1; i < job->nthreads; i++)
            pthread_cond_signal(&pool.wake);
    pthread_mutex_unlock(&pool.lock);

    run_tasks(job, 0);

    /* Close the job and wait for helpers still inside its tasks. */
    pthread_mutex_lock(&pool.lock);
    job->joined = job->nthreads;
    pool.job = NULL;
    while (job->active > 0)
        pthread_cond_wait(&pool.left, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    /* The helpers' exceptions become the caller's, as if it had run every
     * task itself: the flags do not depend on the thread count. */
    if (job->raised != 0)
        ndk_fp_raise(job->raised);
}

void ndk_parallel_for(int nthreads, int64_t ntasks, ndk_task_fn fn, void *ctx)
{
    if (nthreads > ntasks)
        nthreads = (int)ntasks;
    if (nthreads > NDK_MAX_THREADS)
        nthreads = NDK_MAX_THREADS;
    struct pool_job job = {fn, ctx, ntasks, 0, nthreads, 1, 0, 0};
    if (nthreads > 1) {
        pthread_once(&fork_once, register_fork_handlers);
        int free_pool = 0;
        if (fork_safe && atomic_compare_exchange_strong(&pool.owned, &free_pool, 1)) {
            run_on_pool(&job);
            atomic_store(&pool.owned, 0);
            return;
        }
    }
    run_tasks(&job, 0); /* one thread, or the pool is busy: all on this one */
}
