/* pool.c -- the thread setting and the parallel loop the operations run
 * their tasks with. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define NDK_MAX_THREADS 1024

/* The only mutable global state: the requested thread count (0: default). */
static atomic_int requested_threads;
static int default_threads;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

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

NDKERN_API int ndkern_set_num_threads(int n)
{
    if (n < 0 || n > NDK_MAX_THREADS)
        return NDKERN_EINVAL;
    atomic_store(&requested_threads, n);
    return NDKERN_OK;
}

NDKERN_API int ndkern_get_num_threads(void)
{
    int n = atomic_load(&requested_threads);
    if (n > 0)
        return n;
    pthread_once(&default_once, read_default_threads);
    return default_threads;
}

int ndk_threads_for(int64_t work, int64_t grain)
{
    int64_t n = ndkern_get_num_threads();
    int64_t useful = grain > 0 ? work / grain : n;
    if (useful < n)
        n = useful;
    return n < 1 ? 1 : (int)n;
}

struct parallel_job {
    ndk_task_fn fn;
    void *ctx;
    int64_t ntasks;
    atomic_llong next;
};

struct parallel_worker {
    struct parallel_job *job;
    int index;
};

static void run_tasks(struct parallel_job *job, int worker)
{
    for (;;) {
        int64_t task = atomic_fetch_add(&job->next, 1);
        if (task >= job->ntasks)
            return;
        job->fn(job->ctx, task, worker);
    }
}

static void *worker_main(void *arg)
{
    struct parallel_worker *w = arg;
    run_tasks(w->job, w->index);
    return NULL;
}

void ndk_parallel_for(int nthreads, int64_t ntasks, ndk_task_fn fn, void *ctx)
{
    struct parallel_job job = {fn, ctx, ntasks, 0};
    if (nthreads > ntasks)
        nthreads = (int)ntasks;
    if (nthreads > NDK_MAX_THREADS)
        nthreads = NDK_MAX_THREADS;

    pthread_t threads[NDK_MAX_THREADS];
    struct parallel_worker workers[NDK_MAX_THREADS];
    int started = 0;
    for (int i = 1; i < nthreads; i++) {
        workers[started] = (struct parallel_worker){&job, i};
        if (pthread_create(&threads[started], NULL, worker_main, &workers[started]) != 0)
            break; /* the remaining tasks run on the threads we have */
        started++;
    }
    run_tasks(&job, 0);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
}
