/* selfcpu.so: LD_PRELOAD'ed by `measure -s` into the measured runner only. When the runner
 * exits it appends its own CPU time (getrusage RUSAGE_SELF, jobs excluded) to the file
 * named by BENCH_SELF_OUT:  "user_s sys_s". It acts only in the process whose pid is
 * BENCH_SELF_PID, and removes LD_PRELOAD and its variables from the environment at
 * start-up, before main(), so that the jobs the runner starts do not load it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char out_path[4096];
static pid_t self;

__attribute__((constructor)) static void selfcpu_start(void)
{
    const char *pid = getenv("BENCH_SELF_PID");
    const char *out = getenv("BENCH_SELF_OUT");
    if (pid && out && atol(pid) == (long)getpid() && strlen(out) < sizeof out_path)
    {
        strcpy(out_path, out);
        self = getpid();
    }
    unsetenv("LD_PRELOAD");
    unsetenv("BENCH_SELF_PID");
    unsetenv("BENCH_SELF_OUT");
}

__attribute__((destructor)) static void selfcpu_end(void)
{
    if (out_path[0] == '\0' || getpid() != self) /* not in a forked copy of the runner */
        return;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    FILE *f = fopen(out_path, "a");
    if (!f)
        return;
    fprintf(f, "%.6f %.6f\n", (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
    fclose(f);
}
