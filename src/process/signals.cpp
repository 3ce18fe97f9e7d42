#include "signals.hpp"

#include "error.hpp"

#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace fanout {

namespace {

bool ignored_now(int signal)
{
    struct sigaction current {};
    return ::sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

// The inbox signals not ignored now, and SIGCHLD in any case (we set it to default).
sigset_t signals_to_read()
{
    sigset_t set;
    sigemptyset(&set);
    for (int signal : inbox_signals()) {
        if (signal == SIGCHLD || !ignored_now(signal)) {
            sigaddset(&set, signal);
        }
    }
    return set;
}

void set_disposition(int signal, void (*handler)(int), struct sigaction* old)
{
    struct sigaction action {};
    action.sa_handler = handler;
    ::sigaction(signal, &action, old);
}

} // namespace

std::vector<int> inbox_signals()
{
    std::vector<int> signals = {SIGCHLD, SIGTSTP, SIGCONT,   SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
                                SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR,  SIGIO};
#ifdef SIGSTKFLT // not on every architecture
    signals.push_back(SIGSTKFLT);
#endif
    for (int signal = SIGRTMIN; signal <= SIGRTMAX; ++signal) {
        signals.push_back(signal);
    }
    return signals;
}

SignalInbox::SignalInbox()
{
    defaults_for_children(); // decided now, before SIGPIPE is ignored below
    sigset_t set = signals_to_read();
    check_os(::sigprocmask(SIG_BLOCK, &set, &m_old_mask), "sigprocmask");
    set_disposition(SIGPIPE, SIG_IGN, &m_old_pipe);
    set_disposition(SIGCHLD, SIG_DFL, &m_old_child);
    m_fd.reset(check_os(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK), "signalfd"));
}

SignalInbox::~SignalInbox()
{
    ::sigaction(SIGCHLD, &m_old_child, nullptr);
    ::sigaction(SIGPIPE, &m_old_pipe, nullptr);
    ::sigprocmask(SIG_SETMASK, &m_old_mask, nullptr);
}

std::vector<int> SignalInbox::drain()
{
    std::vector<int> signals;
    signalfd_siginfo info{};
    while (::read(m_fd.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        int signal = static_cast<int>(info.ssi_signo);
        if (signal != SIGCHLD) {
            signals.push_back(signal);
        }
    }
    return signals;
}

// The inbox signals need no reset: blocking them changed only our mask, which the
// child clears. SIGCHLD is at its default in us, so in the child too.
const sigset_t& SignalInbox::defaults_for_children()
{
    static const sigset_t set = [] {
        sigset_t s;
        sigemptyset(&s);
        if (!ignored_now(SIGPIPE)) {
            sigaddset(&s, SIGPIPE);
        }
        return s;
    }();
    return set;
}

void stop_self()
{
    ::raise(SIGSTOP);
}

void die_by_signal(int signal)
{
    struct rlimit no_core {};
    ::setrlimit(RLIMIT_CORE, &no_core);
    set_disposition(signal, SIG_DFL, nullptr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(signal);
    std::_Exit(128 + signal);
}

} // namespace fanout
