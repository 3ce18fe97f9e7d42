#include "perl_coprocess.hpp"

#include "error.hpp"
#include "frame.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>

namespace fanout {

namespace {

// A socket pair: returns our end; `theirs` becomes perl's stdin.
int make_channel(Fd& theirs)
{
    int fds[2];
    check_os(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), "socketpair");
    theirs.reset(fds[1]);
    return fds[0];
}

// Blocking I/O on the channel: false when perl has gone.
bool send_all(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

// An expression may run for ever (`1 while 1`): the wait for its answer ends, as every
// wait of fanout's does, on a signal that stops the run.
void wait_readable(int fd, int stops)
{
    std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{stops, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
        throw Error(os_error("poll"));
    }
    signalfd_siginfo info{};
    if (::read(stops, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        throw Interrupted(static_cast<int>(info.ssi_signo));
    }
}

bool receive_exact(int fd, int stops, std::string& out, std::size_t length)
{
    out.resize(length);
    std::size_t have = 0;
    while (have < length) {
        wait_readable(fd, stops);
        ssize_t got = ::recv(fd, out.data() + have, length - have, MSG_DONTWAIT);
        if (got < 0 && errno == EAGAIN) {
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return false;
        }
        have += static_cast<std::size_t>(got);
    }
    return true;
}

std::string shown(const std::string& code)
{
    return "'{=" + code + "=}'";
}

} // namespace

namespace {

AuxProcess start_perl(const std::string& perl, Fd& theirs)
{
    AuxIo io;
    io.stdin_fd = theirs.get();
    io.stdout_fd = STDERR_FILENO; // what an expression prints must not reach the channel
    io.stderr_fd = STDERR_FILENO;
    // The program comes as the first frame, not in argv, where ps would show all of it.
    AuxProcess process({perl, "-e", k_perl_loader}, io);
    theirs.reset();
    if (!process.started()) {
        throw Error("cannot start " + perl + " to evaluate {= =} expressions");
    }
    return process;
}

} // namespace

PerlCoprocess::PerlCoprocess(const std::vector<std::string>& codes, const std::string& perl)
    : m_codes(codes), m_channel(make_channel(m_perl_end)), m_perl(start_perl(perl, m_perl_end)),
      m_stops(stop_signal_fd())
{
    if (!send_all(m_channel.get(), encode_frame({k_perl_program}))) {
        perl_gone();
    }
    std::vector<std::string> request{"c"};
    request.insert(request.end(), codes.begin(), codes.end());
    auto answer = exchange(request);
    if (!answer.empty() && answer.front() == "error" && answer.size() == 3) {
        std::size_t index = std::stoul(answer[1]);
        throw Error("perl expression " + shown(codes.at(index)) + " does not compile: " + answer[2]);
    }
    if (answer.size() != 1 || answer.front() != "ok") {
        throw Error("the perl co-process gave a malformed answer");
    }
}

std::vector<std::string> PerlCoprocess::exchange(const std::vector<std::string>& request)
{
    std::string head;
    std::string payload;
    if (!send_all(m_channel.get(), encode_frame(request)) ||
        !receive_exact(m_channel.get(), m_stops.get(), head, 4) ||
        !receive_exact(m_channel.get(), m_stops.get(), payload, frame_length(head))) {
        perl_gone();
    }
    auto fields = decode_fields(payload);
    if (!fields) {
        throw Error("the perl co-process gave a malformed answer");
    }
    return std::move(*fields);
}

// The channel closed: perl has died (or is dying).
void PerlCoprocess::perl_gone()
{
    m_channel.reset();
    // How it ended is not told: the runner, which reaps any child, may have taken its status.
    wait_for_all({&m_perl}, AuxProcess::Clock::now() + std::chrono::seconds(2), false);
    throw Error("the perl co-process that evaluates {= =} expressions died: no more jobs are started");
}

PerlResults PerlCoprocess::evaluate(const PerlJob& job, const std::vector<PerlCall>& calls)
{
    std::vector<std::string> request{"e",
                                     std::to_string(job.seq),
                                     std::to_string(job.slot),
                                     job.total_jobs ? std::to_string(*job.total_jobs) : std::string(),
                                     job.last ? "1" : "0",
                                     std::to_string(job.args.size())};
    request.insert(request.end(), job.args.begin(), job.args.end());
    for (const auto& call : calls) {
        request.push_back(std::to_string(call.expression));
        request.push_back(std::to_string(call.arg));
    }
    auto answer = exchange(request);
    if (answer.size() == 3 && answer.front() == "died") {
        throw Error("perl expression " + shown(m_codes.at(std::stoul(answer[1]))) + " died in job " +
                    std::to_string(job.seq) + ": " + answer[2]);
    }
    if (answer.empty() || (answer.front() != "ok" && answer.front() != "skip") ||
        answer.size() != 1 + 2 * calls.size()) {
        throw Error("the perl co-process gave a malformed answer");
    }
    PerlResults results;
    results.skip = answer.front() == "skip";
    for (std::size_t i = 0; i < calls.size(); ++i) {
        results.add(calls[i], PerlValue{std::move(answer[2 + 2 * i]), answer[1 + 2 * i] == "u"});
    }
    return results;
}

} // namespace fanout
