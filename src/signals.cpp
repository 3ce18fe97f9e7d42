#include "signals.hpp"

#include "error.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace fanout {

namespace {

sigset_t waited_signals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT}) {
        sigaddset(&set, s);
    }
    return set;
}

} // namespace

SignalInbox::SignalInbox()
{
    sigset_t set = waited_signals();
    check_os(::sigprocmask(SIG_BLOCK, &set, &m_old_mask), "sigprocmask");
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &m_old_pipe);
    m_fd.reset(check_os(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK), "signalfd"));
}

SignalInbox::~SignalInbox()
{
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

const sigset_t& SignalInbox::defaults_for_children()
{
    static const sigset_t set = [] {
        sigset_t s;
        sigemptyset(&s);
        for (int signal : {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT}) {
            sigaddset(&s, signal);
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
    struct sigaction deflt {};
    deflt.sa_handler = SIG_DFL;
    ::sigaction(signal, &deflt, nullptr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(signal);
    std::_Exit(128 + signal);
}

} // namespace fanout
