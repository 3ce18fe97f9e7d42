/* measure: runs one command and reports what it cost.
 *
 *   measure [-p] [-s] [-o FILE] CMD [ARGS...]
 *
 * Prints (to FILE, or stderr) one line:
 *   wall_s user_s sys_s tree_maxrss_kib self_hwm_kib exit_status self_user_s self_sys_s
 * user/sys are wait4()'s figures for CMD, which include every descendant CMD waited for
 * (the whole command tree of a runner that reaps its jobs). tree_maxrss_kib is wait4's
 * ru_maxrss: the largest RSS of CMD *or any reaped descendant*, which is what GNU time
 * %M shows. With -p, CMD runs under ptrace (PTRACE_O_TRACEEXIT only, its children are not
 * traced) and is stopped on its way out, before its memory is released, to read VmHWM
 * from /proc/PID/status: the peak RSS of CMD alone (self_hwm_kib; -1 without -p).
 * With -s, CMD's own CPU time, its jobs excluded (self_user_s self_sys_s; -1 -1 without
 * -s), is read while CMD is a zombie (waitid WNOWAIT, before it is reaped): the total from
 * /proc/PID/schedstat (nanoseconds on CPU), split into user and sys in the proportions of
 * /proc/PID/stat's utime and stime (clock ticks, too coarse alone). It needs no preload,
 * so it works for static binaries, and it counts the main thread only: every runner
 * measured here is single-threaded.
 * CMD's exit status is passed on as ours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long read_hwm(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

/* CMD's own CPU time while it is a zombie; leaves -1 -1 when /proc cannot tell. */
static void read_self_cpu(pid_t pid, double *user, double *sys)
{
    char path[64], line[2048];
    unsigned long long ns = 0, utime = 0, stime = 0;
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int ok = fscanf(f, "%llu", &ns) == 1;
    fclose(f);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    /* The command name may hold spaces and parentheses: fields count from the last ')'. */
    char *rest = got ? strrchr(line, ')') : NULL;
    if (!ok || !rest)
        return;
    /* after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(rest + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return;
    double total = (double)ns / 1e9;
    *user = utime + stime > 0 ? total * (double)utime / (double)(utime + stime) : total;
    *sys = total - *user;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int trace = 0, opt;
    const char *out_path = NULL;
    int selfcpu = 0;
    while ((opt = getopt(argc, argv, "+pso:")) != -1) {
        if (opt == 'p')
            trace = 1;
        else if (opt == 's')
            selfcpu = 1;
        else if (opt == 'o')
            out_path = optarg;
        else
            return 125;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: measure [-p] [-o FILE] CMD [ARGS...]\n");
        return 125;
    }
    double start = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 125;
    }
    if (pid == 0) {
        if (trace) {
            if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
                _exit(126);
            raise(SIGSTOP);
        }
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "measure: %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    long hwm = -1;
    int status;
    struct rusage ru;
    if (trace) {
        if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
            fprintf(stderr, "measure: tracing failed\n");
            return 125;
        }
        ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC));
        ptrace(PTRACE_CONT, pid, NULL, NULL);
    }
    double self_user = -1, self_sys = -1, wall = -1;
    while (1) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0) {
            if (errno == EINTR)
                continue;
            perror("waitid");
            return 125;
        }
        if (info.si_code == CLD_EXITED || info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
            wall = now() - start;
            if (selfcpu)
                read_self_cpu(pid, &self_user, &self_sys);
        }
        pid_t w = wait4(pid, &status, 0, &ru);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            perror("wait4");
            return 125;
        }
        if (!WIFSTOPPED(status))
            break;
        int sig = WSTOPSIG(status);
        int event = status >> 16;
        long pass = 0;
        if (event == PTRACE_EVENT_EXIT) {
            hwm = read_hwm(pid);
        } else if (event == 0 && sig != SIGTRAP) {
            pass = sig; /* an ordinary signal: deliver it */
        }
        ptrace(PTRACE_CONT, pid, NULL, (void *)pass);
    }
    FILE *out = stderr;
    if (out_path) {
        out = fopen(out_path, "a");
        if (!out) {
            perror(out_path);
            return 125;
        }
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(out, "%.6f %.6f %.6f %ld %ld %d %.6f %.6f\n", wall,
            (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, hwm, code, self_user,
            self_sys);
    if (out != stderr)
        fclose(out);
    return code;
}
