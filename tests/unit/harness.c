/* The test harness's main: runs every registered TEST in a forked child. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define MAX_TESTS 1024

static struct {
    const char *name;
    const char *file;
    lode_test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static int failed_in_child;
static uint64_t seed;
static char tmpdir[256];

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_SKIP = 77 };

void lode_test_register(const char *name, lode_test_fn fn, const char *file)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        exit(2);
    }
    const char *base = strrchr(file, '/');
    tests[ntests].name = name;
    tests[ntests].file = base ? base + 1 : file;
    tests[ntests].fn = fn;
    ntests++;
}

void lode_test_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    const char *base = strrchr(file, '/');
    fprintf(stderr, "  %s:%d: ", base ? base + 1 : file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " [seed %" PRIu64 "]\n", seed);
    failed_in_child = 1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup_tmp(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    tmpdir[0] = 0;
}

_Noreturn void lode_test_abort(void)
{
    cleanup_tmp();
    fflush(NULL);
    _exit(EXIT_FAIL);
}

_Noreturn void lode_test_skip(const char *why)
{
    fprintf(stderr, "  skip: %s\n", why);
    cleanup_tmp();
    fflush(NULL);
    _exit(EXIT_SKIP);
}

uint64_t lode_test_seed(void)
{
    return seed;
}

uint64_t lode_test_rand(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

const char *lode_test_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/lode-test-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            lode_test_abort();
        }
    }
    return tmpdir;
}

static bool selected(int i, int argc, char **argv)
{
    bool any = false;
    for (int a = 1; a < argc; a++) {
        if (argv[a][0] == '-')
            continue;
        any = true;
        if (strstr(tests[i].name, argv[a]))
            return true;
    }
    return !any;
}

int main(int argc, char **argv)
{
    bool nofork = false;
    for (int a = 1; a < argc; a++)
        if (!strcmp(argv[a], "-n"))
            nofork = true;
    const char *s = getenv("LODE_TEST_SEED");
    seed = s ? strtoull(s, NULL, 0) : 0x10de5eedull;
    int pass = 0, fail = 0, skip = 0;
    for (int i = 0; i < ntests; i++) {
        if (!selected(i, argc, argv))
            continue;
        fflush(NULL);
        int status;
        if (nofork) {
            tests[i].fn();
            status = failed_in_child ? EXIT_FAIL : EXIT_PASS;
            cleanup_tmp();
        } else {
            pid_t pid = fork();
            if (pid < 0) {
                perror("fork");
                return 2;
            }
            if (pid == 0) {
                tests[i].fn();
                cleanup_tmp();
                fflush(NULL);
                _exit(failed_in_child ? EXIT_FAIL : EXIT_PASS);
            }
            int ws;
            while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
                ;
            if (WIFEXITED(ws))
                status = WEXITSTATUS(ws);
            else {
                fprintf(stderr, "  killed by signal %d [seed %" PRIu64 "]\n", WTERMSIG(ws), seed);
                status = EXIT_FAIL;
            }
        }
        const char *word = status == EXIT_PASS ? "PASS" : status == EXIT_SKIP ? "SKIP" : "FAIL";
        printf("%s %s:%s\n", word, tests[i].file, tests[i].name);
        fflush(stdout);
        if (status == EXIT_PASS)
            pass++;
        else if (status == EXIT_SKIP)
            skip++;
        else
            fail++;
    }
    fprintf(stderr, "%s: %d passed, %d failed, %d skipped\n", argv[0], pass, fail, skip);
    return fail ? 1 : 0;
}
