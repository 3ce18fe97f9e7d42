/* ref_runner: the smallest honest parallel runner, the baseline fanout is measured against.
 *
 *   ref_runner [-c] [-v] [-j N] CMD [ARGS...] < lines
 *
 * For each line of stdin runs CMD ARGS... LINE with posix_spawn (no shell), at most N
 * at once (default 2), reaping with waitpid. CMD is looked up on PATH once, at start, as
 * fanout does (posix_spawnp would walk PATH, one failed execve per directory, per job).
 * With -c each child's stdout goes into a pipe; one poll() loop over the running
 * children's pipes collects it, and a child's output is written to our stdout, whole,
 * when that child ends (EOF, then waitpid). With -v the child is started with vfork,
 * dup2 and execve instead of posix_spawn, the way fanout starts its jobs: the bare loop
 * with the same spawn path.
 * Exit status: 0, or 1 when any job failed or could not start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct slot {
    pid_t pid;   /* 0: free */
    int fd;      /* read end of the child's stdout pipe (-c), else -1 */
    char *buf;
    size_t len, cap;
};

static int failed;
static int use_vfork;
static int dev_null = -1; /* children get /dev/null as stdin, as fanout's do */

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

static void note_status(int status)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        failed = 1;
}

/* vfork + dup2 + execve; the child reports a failed exec through *err (our memory). */
static int vfork_spawn(pid_t *pid, const char *path, int out_fd, char **argv)
{
    volatile int err = 0;
    pid_t child = vfork();
    if (child == 0) {
        if (dup2(dev_null, STDIN_FILENO) >= 0 && (out_fd < 0 || dup2(out_fd, STDOUT_FILENO) >= 0))
            execve(path, argv, environ);
        err = errno;
        _exit(127);
    }
    if (child < 0)
        return errno;
    if (err != 0) {
        waitpid(child, NULL, 0);
        return err;
    }
    *pid = child;
    return 0;
}

static int spawn(struct slot *s, const char *path, char **argv, int capture)
{
    posix_spawn_file_actions_t fa;
    int fds[2] = {-1, -1};
    if (capture && pipe2(fds, O_CLOEXEC) != 0)
        die("pipe2");
    int rc;
    if (use_vfork) {
        rc = vfork_spawn(&s->pid, path, fds[1], argv);
    } else {
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, dev_null, STDIN_FILENO);
        if (capture)
            posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
        rc = posix_spawn(&s->pid, path, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    if (capture)
        close(fds[1]);
    if (rc != 0) {
        fprintf(stderr, "ref_runner: %s: %s\n", argv[0], strerror(rc));
        failed = 1;
        s->pid = 0;
        if (capture)
            close(fds[0]);
        return -1;
    }
    s->fd = fds[0];
    s->len = 0;
    return 0;
}

/* CMD as execvp would find it on PATH; names with a slash are taken as they are. */
static char *find_on_path(const char *name)
{
    if (strchr(name, '/'))
        return strdup(name);
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (;;) {
        const char *end = strchrnul(path, ':');
        int dir_len = (int)(end - path);
        char *candidate;
        if (asprintf(&candidate, "%.*s/%s", dir_len, dir_len ? path : ".", name) < 0)
            die("asprintf");
        if (access(candidate, X_OK) == 0)
            return candidate;
        free(candidate);
        if (*end == '\0')
            return NULL;
        path = end + 1;
    }
}

/* -c: a child's pipe reached EOF: reap it and print what it wrote. */
static void finish_captured(struct slot *s)
{
    int status;
    close(s->fd);
    s->fd = -1;
    while (waitpid(s->pid, &status, 0) < 0) {
        if (errno != EINTR)
            die("waitpid");
    }
    note_status(status);
    write_all(STDOUT_FILENO, s->buf, s->len);
    s->len = 0;
    s->pid = 0;
}

/* Waits until at least one running child has ended; returns how many ended. */
static int wait_some(struct slot *slots, int n, int capture)
{
    if (!capture) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, 0)) < 0) {
            if (errno != EINTR)
                die("waitpid");
        }
        note_status(status);
        for (int i = 0; i < n; i++) {
            if (slots[i].pid == pid) {
                slots[i].pid = 0;
                return 1;
            }
        }
        return 0;
    }
    struct pollfd pfd[n];
    int idx[n];
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (slots[i].pid != 0) {
            pfd[m].fd = slots[i].fd;
            pfd[m].events = POLLIN;
            pfd[m].revents = 0;
            idx[m++] = i;
        }
    }
    if (poll(pfd, (nfds_t)m, -1) < 0) {
        if (errno == EINTR)
            return 0;
        die("poll");
    }
    int ended = 0;
    for (int k = 0; k < m; k++) {
        if (pfd[k].revents == 0)
            continue;
        struct slot *s = &slots[idx[k]];
        if (s->cap - s->len < 65536) {
            s->cap = s->cap ? s->cap * 2 : 131072;
            s->buf = realloc(s->buf, s->cap);
            if (!s->buf)
                die("realloc");
        }
        ssize_t r = read(s->fd, s->buf + s->len, s->cap - s->len);
        if (r > 0) {
            s->len += (size_t)r;
        } else if (r == 0 || errno != EINTR) {
            finish_captured(s);
            ended++;
        }
    }
    return ended;
}

int main(int argc, char **argv)
{
    int capture = 0, jobs = 2, opt;
    while ((opt = getopt(argc, argv, "+cvj:")) != -1) {
        if (opt == 'c') {
            capture = 1;
        } else if (opt == 'v') {
            use_vfork = 1;
        } else if (opt == 'j') {
            jobs = atoi(optarg);
        } else {
            fprintf(stderr, "usage: ref_runner [-c] [-v] [-j N] CMD [ARGS...] < lines\n");
            return 2;
        }
    }
    if (optind >= argc || jobs < 1) {
        fprintf(stderr, "usage: ref_runner [-c] [-v] [-j N] CMD [ARGS...] < lines\n");
        return 2;
    }
    int nfixed = argc - optind;
    char **cargv = calloc((size_t)nfixed + 2, sizeof *cargv);
    struct slot *slots = calloc((size_t)jobs, sizeof *slots);
    if (!cargv || !slots)
        die("calloc");
    memcpy(cargv, argv + optind, (size_t)nfixed * sizeof *cargv);
    for (int i = 0; i < jobs; i++)
        slots[i].fd = -1;
    char *path = find_on_path(cargv[0]);
    if (!path) {
        fprintf(stderr, "ref_runner: %s: command not found\n", cargv[0]);
        return 1;
    }
    dev_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (dev_null < 0)
        die("/dev/null");

    char *line = NULL;
    size_t linecap = 0;
    int running = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, stdin)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = '\0';
        while (running == jobs)
            running -= wait_some(slots, jobs, capture);
        struct slot *s = slots;
        while (s->pid != 0)
            s++;
        cargv[nfixed] = line;
        cargv[nfixed + 1] = NULL;
        if (spawn(s, path, cargv, capture) == 0)
            running++;
    }
    while (running > 0)
        running -= wait_some(slots, jobs, capture);
    return failed;
}
