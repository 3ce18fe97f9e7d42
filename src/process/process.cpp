#include "process.hpp"

#include "signals.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace fanout {

namespace {

// A close-on-exec pipe, or the errno of why there is none (EMFILE, ENFILE).
int make_pipe(Pipe& pipe)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return errno;
    }
    pipe = Pipe{Fd(fds[0]), Fd(fds[1])};
    return 0;
}

// Everything the child does between vfork and exec, prepared before vfork: the child
// shares our memory until it execs, so it may only make system calls.
struct ChildPlan {
    const char* path = nullptr;
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    int fds[3] = {-1, -1, -1}; // dup2'ed onto 0, 1, 2; -1 keeps ours
    const char* cwd = nullptr;
    const std::vector<int>* inherit = nullptr; // descriptors the child keeps across exec
    bool die_with_us = false;
    pid_t parent = -1;                  // with die_with_us: who we must die with
    const sigset_t* defaults = nullptr; // signals reset to SIG_DFL
};

// Makes `from` the child's descriptor `to`. dup2 onto itself is a no-op that would leave
// close-on-exec set (our /dev/null is fd 0 when we were started without a stdin).
bool install_fd(int from, int to)
{
    if (from == to) {
        return ::fcntl(to, F_SETFD, 0) == 0;
    }
    return ::dup2(from, to) == to;
}

// The child's side, in posix_spawn's order: dispositions, process group, descriptors,
// directory, signal mask, exec. Reports failure through *error (our memory) and exits.
[[noreturn]] void run_child(const ChildPlan& plan, volatile int* error)
{
    struct sigaction deflt {};
    deflt.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; ++signal) {
        if (sigismember(plan.defaults, signal) == 1) {
            ::sigaction(signal, &deflt, nullptr);
        }
    }
    bool ok = ::setpgid(0, 0) == 0;
    // A parent that died before prctl() sends no signal: the child must not outlive it.
    ok = ok && (!plan.die_with_us || (::prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && ::getppid() == plan.parent));
    for (int fd = 0; ok && fd < 3; ++fd) {
        ok = plan.fds[fd] < 0 || install_fd(plan.fds[fd], fd);
    }
    // Only the child's table changes: vfork shares our memory, not our descriptors.
    for (std::size_t i = 0; ok && plan.inherit != nullptr && i < plan.inherit->size(); ++i) {
        ok = ::fcntl((*plan.inherit)[i], F_SETFD, 0) == 0;
    }
    ok = ok && (plan.cwd == nullptr || ::chdir(plan.cwd) == 0);
    if (ok) {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(plan.path, plan.argv, plan.envp);
    }
    *error = errno != 0 ? errno : EINVAL; // never 0: the parent reads 0 as started
    ::_exit(127);
}

// vfork, then exec in the child: the parent waits (suspended) until the child has exec'd
// or failed. Measured ~10% more jobs/s than posix_spawn on 2 CPUs: glibc's child queries
// and resets every one of the 64 signals (~128 system calls, ~1 us each here) and the
// parent maps and unmaps a fresh stack per spawn; vfork's child borrows ours. All signals
// stay blocked across vfork so that no handler could run in the child on our stack.
// Returns 0 or the errno of the failed step; a failed child is reaped here.
int vfork_exec(const ChildPlan& plan, pid_t& pid)
{
    volatile int error = 0;
    sigset_t all;
    sigset_t old;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &old);
    pid_t child = ::vfork();
    if (child == 0) {
        run_child(plan, &error);
    }
    int fork_error = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (child < 0) {
        return fork_error;
    }
    if (error != 0) {
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        return error;
    }
    pid = child;
    return 0;
}

} // namespace

int Process::spawn(const SpawnRequest& request)
{
    ChildPlan plan;
    Pipe in;
    if (request.feed_stdin) {
        if (int error = make_pipe(in); error != 0) {
            return error;
        }
        ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
        plan.fds[STDIN_FILENO] = in.read.get();
    } else {
        plan.fds[STDIN_FILENO] = request.stdin_fd;
    }
    Pipe out;
    Pipe err;
    if (request.capture) {
        if (int error = make_pipe(out); error != 0) {
            return error;
        }
        if (int error = make_pipe(err); error != 0) {
            return error;
        }
        plan.fds[STDOUT_FILENO] = out.write.get();
        plan.fds[STDERR_FILENO] = err.write.get();
    }
    std::vector<char*> argv;
    argv.reserve(request.argv->size() + 1);
    for (const auto& arg : *request.argv) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    plan.path = request.path->c_str();
    plan.argv = argv.data();
    plan.envp = const_cast<char* const*>(request.envp->data());
    plan.cwd = request.cwd != nullptr && !request.cwd->empty() ? request.cwd->c_str() : nullptr;
    plan.inherit = request.inherit;
    plan.die_with_us = request.die_with_us;
    plan.parent = request.die_with_us ? ::getpid() : -1; // no system call on the usual path
    plan.defaults = &SignalInbox::defaults_for_children();
    if (int rc = vfork_exec(plan, m_pid); rc != 0) {
        m_pid = -1;
        return rc;
    }
    m_pipes[0] = std::move(out.read);
    m_pipes[1] = std::move(err.read);
    m_input = std::move(in.write);
    return 0;
}

std::string find_executable(const std::string& name)
{
    auto executable = [](const std::string& path) {
        struct stat st {};
        return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) {
        return name;
    }
    if (name.empty()) {
        return {};
    }
    const char* env_path = std::getenv("PATH");
    std::string path = env_path ? env_path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        end = end == std::string::npos ? path.size() : end;
        std::string dir = end > start ? path.substr(start, end - start) : ".";
        dir += '/';
        dir += name;
        if (executable(dir)) {
            return dir;
        }
        start = end + 1;
    }
    return {};
}

} // namespace fanout

namespace fanout {

namespace {

std::chrono::microseconds microseconds_of(const timeval& time)
{
    return std::chrono::seconds(time.tv_sec) + std::chrono::microseconds(time.tv_usec);
}

// Why `cwd` cannot be a job's directory (an errno value), or 0 when it can.
int cwd_problem(const std::string& cwd)
{
    struct stat status {};
    if (::stat(cwd.c_str(), &status) != 0) {
        return errno;
    }
    if (!S_ISDIR(status.st_mode)) {
        return ENOTDIR;
    }
    return ::access(cwd.c_str(), X_OK) == 0 ? 0 : errno;
}

} // namespace

JobExit job_exit_of(int wait_status, const struct rusage& usage)
{
    JobExit exit = WIFSIGNALED(wait_status) ? JobExit::killed(WTERMSIG(wait_status))
                                            : JobExit::exited(WEXITSTATUS(wait_status));
    exit.usage.user_cpu = microseconds_of(usage.ru_utime);
    exit.usage.system_cpu = microseconds_of(usage.ru_stime);
    exit.usage.max_rss_kib = usage.ru_maxrss;
    return exit;
}

StartResult start_result_of(int error, const std::string& cwd)
{
    using Kind = StartResult::Kind;
    std::optional<Shortage> shortage = shortage_of(error);
    // Out of processes or descriptors passes when a job ends: the scheduler waits.
    if (shortage && shortage != Shortage::memory) {
        return StartResult::short_of(*shortage);
    }
    if (int why = cwd.empty() ? 0 : cwd_problem(cwd); why != 0) {
        return StartResult::failed(Kind::bad_workdir, std::strerror(why));
    }
    if (shortage) {
        return StartResult::short_of(*shortage);
    }
    if (error == ENOENT) {
        return StartResult::failed(Kind::not_found);
    }
    return StartResult::failed(Kind::cannot_execute, std::strerror(error));
}

int make_directories(const std::string& dir)
{
    if (::mkdir(dir.c_str(), 0777) == 0 || errno == EEXIST) {
        return 0; // made, or there (a file in its way is found when the job starts)
    }
    if (errno != ENOENT) {
        return errno;
    }
    std::size_t slash = dir.find_last_not_of('/');
    slash = slash == std::string::npos ? slash : dir.rfind('/', slash);
    if (slash == std::string::npos || slash == 0) {
        return ENOENT;
    }
    if (int error = make_directories(dir.substr(0, slash)); error != 0) {
        return error;
    }
    return ::mkdir(dir.c_str(), 0777) == 0 || errno == EEXIST ? 0 : errno;
}

} // namespace fanout
