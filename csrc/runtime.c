/* runtime.c -- the one dispatch point (CPU probe, kernel table) and the
 * thread setting with its parallel loop. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

/* The kernel levels, lowest first; NDKERN_SIMD names the highest to use. */
static const struct ndk_kernels *const levels[] = {
    &ndk_kernels_baseline,
#if defined(NDKERN_HAVE_AVX2_KERNELS)
    &ndk_kernels_avx2,
#endif
#if defined(NDKERN_HAVE_AVX512_KERNELS)
    &ndk_kernels_avx512,
#endif
};
#define NDK_NLEVELS ((int)(sizeof levels / sizeof levels[0]))

#if defined(NDKERN_HAVE_AVX2_KERNELS)
#include <cpuid.h>

/* How many entries of `levels` this CPU and OS run: AVX2 and FMA in the
 * CPU with the OS saving YMM state (OSXSAVE + XCR0 bits 1, 2) for avx2;
 * also AVX-512F with the OS saving opmask and ZMM state (XCR0 bits 5-7)
 * for avx512. */
static int cpu_levels(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 1;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((ecx & (fma | osxsave | avx)) != (fma | osxsave | avx))
        return 1;
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6u) != 0x6u) /* SSE and AVX state enabled */
        return 1;
    if (__get_cpuid_max(0, NULL) < 7)
        return 1;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    if ((ebx & (1u << 5)) == 0) /* AVX2 */
        return 1;
    if ((ebx & (1u << 16)) == 0 || (xcr0_lo & 0xE6u) != 0xE6u) /* AVX512F, its state */
        return 2;
    return 3;
}
#else
static int cpu_levels(void)
{
    return 1;
}
#endif

static const struct ndk_kernels *chosen_kernels;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;

/* The best level the machine runs, at most the one NDKERN_SIMD names (an
 * unknown name caps nothing). */
static void choose_kernels(void)
{
    const char *want = getenv("NDKERN_SIMD");
    int n = cpu_levels();
    if (n > NDK_NLEVELS)
        n = NDK_NLEVELS;
    for (int i = 0; want != NULL && i < n; i++)
        if (strcmp(levels[i]->name, want) == 0) {
            n = i + 1;
            break;
        }
    chosen_kernels = levels[n - 1];
}

const struct ndk_kernels *ndk_kernels(void)
{
    pthread_once(&choose_once, choose_kernels);
    return chosen_kernels;
}

NDKERN_API const char *ndkern_simd_level(void)
{
    return ndk_kernels()->name;
}

/* ----------------------------------------------------------------- threads */

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
