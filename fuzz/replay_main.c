/*
 * replay_main.c -- a plain main() for the fuzz targets (no libFuzzer): runs
 * LLVMFuzzerTestOneInput once on each input, so the committed corpus can be
 * replayed on any platform, e.g. cross-built and under qemu-user.
 *
 *   replay_TARGET [FILE_OR_DIRECTORY...]
 *
 * Directories are read in name order.  Without arguments the program reads
 * $srcdir/fuzz/corpus/FUZZ_TARGET_NAME (automake's test harness sets
 * srcdir).  A failed check aborts (fuzz.h), so the exit status is 0 only
 * when every input replays clean; 99 when an input cannot be read.  When
 * NDKERN_TEST_EXPECT_SIMD is set (tests/c/all-levels.sh), the library must
 * run that level.
 */
#define _POSIX_C_SOURCE 200809L /* scandir, alphasort */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ndkern.h"

#define REPLAY_HARD_ERROR 99
#define REPLAY_PATH_MAX 4096

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target on the bytes of one file; returns 0, or 99 if unreadable. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f == NULL || fstat(fileno(f), &st) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f != NULL)
            fclose(f);
        return REPLAY_HARD_ERROR;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *data = malloc(size > 0 ? size : 1); /* its own buffer: ASan sees overreads */
    int ok = data != NULL && fread(data, 1, size, f) == size;
    fclose(f);
    if (ok)
        LLVMFuzzerTestOneInput(data, size);
    else
        fprintf(stderr, "replay: cannot read %s\n", path);
    free(data);
    return ok ? 0 : REPLAY_HARD_ERROR;
}

/* Every regular file of a directory, in name order (alphasort: strcmp in
 * the C locale this program runs in); counts them in *count. */
static int replay_directory(const char *dir, long *count)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, alphasort), rc = 0;
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s\n", dir);
        return REPLAY_HARD_ERROR;
    }
    for (int i = 0; i < n; i++) {
        char path[REPLAY_PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, entries[i]->d_name);
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = replay_file(path);
            (*count)++;
        }
        free(entries[i]);
    }
    free(entries);
    return rc;
}

static int replay_path(const char *path, long *count)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return replay_directory(path, count);
    (*count)++;
    return replay_file(path);
}

int main(int argc, char **argv)
{
    const char *expect = getenv("NDKERN_TEST_EXPECT_SIMD");
    char corpus[REPLAY_PATH_MAX];
    long count = 0;
    int rc = 0;

    LLVMFuzzerInitialize(&argc, &argv);
    if (expect != NULL && expect[0] != '\0' && strcmp(expect, ndkern_simd_level()) != 0) {
        printf("FAIL: NDKERN_SIMD=%s was requested but the library runs %s\n", expect,
               ndkern_simd_level());
        return 1;
    }
    if (argc < 2) {
        const char *srcdir = getenv("srcdir");
        snprintf(corpus, sizeof corpus, "%s/fuzz/corpus/%s", srcdir ? srcdir : ".",
                 FUZZ_TARGET_NAME);
        rc = replay_path(corpus, &count);
    }
    for (int i = 1; i < argc && rc == 0; i++)
        rc = replay_path(argv[i], &count);
    printf("replay %s: %ld inputs at simd level %s, %s\n", FUZZ_TARGET_NAME, count,
           ndkern_simd_level(), rc == 0 ? "all clean" : "stopped");
    if (rc == 0 && count == 0) {
        printf("FAIL: no inputs found\n");
        return 1;
    }
    return rc;
}
