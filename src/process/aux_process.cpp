#include "aux_process.hpp"

#include "error.hpp"
#include "process.hpp"
#include "signals.hpp"

// v1, not v2: v2 (1.81) waits through an asio io_context, a second event loop (epoll,
// eventfd and timerfd) beside our poll(), and its headers need includes they lack.
// BOOST_PROCESS_USE_STD_FS (CMakeLists.txt) keeps v1 header-only: no Boost.Filesystem.
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>

namespace fanout {

namespace {

namespace bp = boost::process;

// What the child does between fork and exec, as a job's child does (process.cpp):
// default dispositions, its own process group (Ctrl-C at the terminal is ours to pass
// on), descriptors, then an empty signal mask, last, so that nothing pending acts on a
// disposition of ours.
struct ChildSetup : bp::extend::handler {
    const sigset_t* defaults = nullptr;
    int fds[3] = {-1, -1, -1}; // become 0, 1, 2

    template <typename Executor> void on_exec_setup(Executor& exec) const
    {
        struct sigaction deflt {};
        deflt.sa_handler = SIG_DFL;
        for (int signal = 1; signal < NSIG; ++signal) {
            if (sigismember(defaults, signal) == 1) {
                ::sigaction(signal, &deflt, nullptr);
            }
        }
        // A helper never outlives fanout, even one killed by SIGKILL: a perl co-process
        // stuck in a user's endless loop would run on. (A helper that forks, such as
        // ssh -f's master, leaves this behind in its parent.)
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        bool ok = ::setpgid(0, 0) == 0;
        for (int fd = 0; ok && fd < 3; ++fd) {
            // dup2 onto itself would leave close-on-exec set.
            ok = fds[fd] == fd ? ::fcntl(fd, F_SETFD, 0) == 0 : ::dup2(fds[fd], fd) == fd;
        }
        if (!ok) {
            exec.set_error(std::error_code(errno, std::system_category()), "aux process set-up");
            ::_exit(127);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
    }

    // The parent sets the group too, so that kill() finds it even before the child ran.
    template <typename Executor> void on_success(Executor& exec) const { ::setpgid(exec.pid, exec.pid); }

    // Boost reaps a child that failed to exec with WNOHANG only, which can leave a
    // zombie: the child has written its error but not yet exited. It exits at once.
    template <typename Executor> void on_error(Executor& exec, const std::error_code&) const
    {
        if (exec.pid > 0) {
            int status = 0;
            while (::waitpid(exec.pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }
};

int exit_code_of(int status)
{
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    // Not exited: reaped by someone else, which fanout never does.
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
}

} // namespace

// The signals that stop a run (Scheduler::on_signal), as a signalfd that is readable
// while one is pending. Reading the inbox's signals from a second signalfd works because
// both take them from the same pending set; those fanout does not block (an ignored
// one, or every one when there is no inbox) never become pending here.
Fd stop_signal_fd()
{
    sigset_t set;
    sigemptyset(&set);
    for (int signal : inbox_signals()) {
        if (signal != SIGCHLD && signal != SIGTSTP && signal != SIGCONT && signal != SIGUSR1) {
            sigaddset(&set, signal);
        }
    }
    return Fd(check_os(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK), "signalfd"));
}

AuxProcess::AuxProcess(const std::vector<std::string>& argv, const AuxIo& io)
{
    std::string path = argv.empty() ? std::string() : find_executable(argv.front());
    if (path.empty()) {
        return;
    }
    Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    Pipe out;
    if (io.capture) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return;
        }
        out = Pipe{Fd(fds[0]), Fd(fds[1])};
    }
    ChildSetup setup;
    setup.defaults = &SignalInbox::defaults_for_children();
    setup.fds[0] = io.stdin_fd >= 0 ? io.stdin_fd : null.get();
    setup.fds[1] = io.capture ? out.write.get() : (io.stdout_fd >= 0 ? io.stdout_fd : null.get());
    setup.fds[2] = io.stderr_fd >= 0 ? io.stderr_fd : null.get();
    std::error_code error;
    auto child = std::make_unique<bp::child>(
        bp::exe = path, bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()), setup, error);
    if (error || !child->valid()) {
        return;
    }
    m_pid = child->id();
    m_child = std::move(child);
    m_started = true;
    m_done = false;
    // Fails only on a kernel without pidfds; wait_for_all() then looks now and then.
    // By syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C", so its pidfd_open does
    // not link from C++.
    m_exit_fd.reset(static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0)));
    if (io.capture) {
        m_output_fd = std::move(out.read);
        ::fcntl(m_output_fd.get(), F_SETFL, O_NONBLOCK);
    }
}

AuxProcess::AuxProcess(AuxProcess&&) noexcept = default;

AuxProcess::~AuxProcess()
{
    if (m_child && !m_done) {
        kill();
        std::error_code error;
        m_child->wait(error); // SIGKILLed: this is not long
    }
}

void AuxProcess::kill()
{
    if (m_started && !m_done && ::kill(-m_pid, SIGKILL) != 0) {
        ::kill(m_pid, SIGKILL);
    }
}

void AuxProcess::read_output()
{
    char buffer[4096];
    while (m_output_fd) {
        ssize_t n = ::read(m_output_fd.get(), buffer, sizeof buffer);
        if (n > 0) {
            m_output.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            m_output_fd.reset();
        } else if (errno == EAGAIN) {
            return;
        }
    }
}

bool AuxProcess::poll()
{
    if (m_done) {
        return true;
    }
    read_output();
    std::error_code error;
    if (m_child->running(error)) {
        return false;
    }
    m_exit_code = exit_code_of(m_child->native_exit_code());
    // What it wrote before it exited is in the pipe; a grandchild that kept the pipe
    // open does not hold us up.
    read_output();
    m_output_fd.reset();
    m_exit_fd.reset();
    m_done = true;
    return true;
}

AuxWaitResult wait_for_all(const std::vector<AuxProcess*>& helpers, AuxProcess::Clock::time_point deadline,
                           bool interruptible)
{
    Fd stops = interruptible ? stop_signal_fd() : Fd();
    std::vector<pollfd> fds;
    while (true) {
        fds.clear();
        bool blind = false; // a helper without a pidfd: look again soon
        for (AuxProcess* helper : helpers) {
            if (helper->poll()) {
                continue;
            }
            blind = blind || helper->exit_fd() < 0;
            for (int fd : {helper->exit_fd(), helper->output_fd()}) {
                if (fd >= 0) {
                    fds.push_back({fd, POLLIN, 0});
                }
            }
        }
        if (fds.empty() && !blind) {
            return {};
        }
        if (stops) {
            fds.push_back({stops.get(), POLLIN, 0});
        }
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - AuxProcess::Clock::now()).count();
        if (left <= 0) {
            return {AuxWaitEnd::deadline, 0};
        }
        int timeout = static_cast<int>(std::min<long long>(left, blind ? 10 : INT_MAX));
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
            throw Error(os_error("poll"));
        }
        signalfd_siginfo info{};
        if (stops && ::read(stops.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            return {AuxWaitEnd::interrupted, static_cast<int>(info.ssi_signo)};
        }
    }
}

} // namespace fanout
