#include "process_set.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace fanout {

using Termination = ProcessSet::Termination;

namespace {

constexpr std::size_t k_read_size = 64 * 1024;
// How long children get between SIGTERM and SIGKILL when fanout itself must stop.
constexpr long k_grace_ms = 2000;
// How often a group whose leader has exited is checked for being empty during its
// termination sequence: nothing tells us when its last process ends.
constexpr auto k_group_check = std::chrono::milliseconds(20);

// Sends a termination step's signal to a group; false when the group is gone.
bool send_to_group(pid_t group, int signal)
{
    if (::kill(-group, signal) != 0) {
        return false;
    }
    if (signal != SIGKILL && signal != SIGCONT) {
        ::kill(-group, SIGCONT); // a stopped process must run to act on the signal
    }
    return true;
}

// Takes the next step of a termination; false when there is nothing more to do.
bool advance(Termination& t, std::chrono::steady_clock::time_point now)
{
    if (t.next >= t.steps.size() || !send_to_group(t.group, t.steps[t.next].signal)) {
        return false;
    }
    t.due = now + t.steps[t.next].wait;
    ++t.next;
    return true;
}

bool group_gone(pid_t group)
{
    return ::kill(-group, 0) != 0 && errno == ESRCH;
}

bool readable_now(int fd)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

} // namespace

ProcessSet::ProcessSet() : m_buffer(std::make_unique_for_overwrite<char[]>(k_read_size))
{
    m_dev_null.reset(check_os(::open("/dev/null", O_RDONLY | O_CLOEXEC), "open /dev/null"));
}

ProcessSet::~ProcessSet()
{
    terminate_all();
}

int ProcessSet::start(std::uint64_t id, SpawnRequest request)
{
    if (request.stdin_fd < 0) {
        request.stdin_fd = m_dev_null.get();
    }
    Child child{id, {}, std::nullopt, {}};
    int rc = child.process.spawn(request);
    if (rc == 0) {
        m_children.push_back(std::move(child));
    }
    return rc;
}

void ProcessSet::feed(std::uint64_t id, std::shared_ptr<const std::string> data, bool last)
{
    auto it = std::find_if(m_children.begin(), m_children.end(), [id](const Child& c) { return c.id == id; });
    if (it == m_children.end() || !it->process.input()) {
        return; // it has exited or closed its stdin: what it did not read is dropped
    }
    if (data && !data->empty()) {
        it->feed.queue.push_back(std::move(data));
    }
    it->feed.last = it->feed.last || last;
    if (it->feed.queue.empty() && it->feed.last) {
        it->process.input().reset();
    }
}

// Writes what the child's stdin takes now; EPIPE means it stopped reading.
void ProcessSet::write_input(Child& child, ProcessEvents& events)
{
    Feed& feed = child.feed;
    Fd& input = child.process.input();
    while (!feed.queue.empty()) {
        const std::string& data = *feed.queue.front();
        ssize_t n = ::write(input.get(), data.data() + feed.offset, data.size() - feed.offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        if (n < 0) {
            feed.queue.clear();
            input.reset();
            return;
        }
        feed.offset += static_cast<std::size_t>(n);
        if (feed.offset == data.size()) {
            feed.queue.pop_front();
            feed.offset = 0;
        }
    }
    if (feed.last) {
        input.reset(); // EOF for the job
    } else {
        events.on_input_drained(child.id);
    }
}

void ProcessSet::read_pipe(Child& child, Stream stream, ProcessEvents& events)
{
    Fd& pipe = child.process.pipe(stream);
    ssize_t n;
    do {
        n = ::read(pipe.get(), m_buffer.get(), k_read_size);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        events.on_output(child.id, stream, std::string_view(m_buffer.get(), static_cast<std::size_t>(n)));
    } else {
        pipe.reset(); // EOF (or an error we cannot act on): this stream is done
    }
}

// The child has exited: take what it left in its pipes, then stop listening. A
// background process that inherited the pipe cannot keep us waiting.
void ProcessSet::drain_pipes(Child& child, ProcessEvents& events)
{
    for (Stream stream : {Stream::out, Stream::err}) {
        while (child.process.pipe(stream) && readable_now(child.process.pipe(stream).get())) {
            read_pipe(child, stream, events);
        }
        child.process.pipe(stream).reset();
    }
}

void ProcessSet::reap(ProcessEvents& events)
{
    while (true) {
        int status = 0;
        struct rusage usage {};
        pid_t pid = ::wait4(-1, &status, WNOHANG, &usage);
        if (pid <= 0) {
            return;
        }
        auto it = std::find_if(m_children.begin(), m_children.end(),
                               [pid](const Child& c) { return c.process.pid() == pid; });
        if (it == m_children.end()) {
            continue;
        }
        Child child = std::move(*it);
        m_children.erase(it);
        // What the job left in its group must not outlive a termination or a stop.
        if (child.termination) {
            m_lingering.push_back(std::move(*child.termination));
        } else if (m_stopping) {
            Termination t{pid, *m_stopping, 0, {}};
            if (advance(t, Clock::now())) {
                m_lingering.push_back(std::move(t));
            }
        }
        drain_pipes(child, events);
        events.on_exit(child.id, job_exit_of(status, usage));
    }
}

void ProcessSet::wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout)
{
    auto now = Clock::now();
    std::optional<Clock::time_point> due = next_step_due();
    if (timeout) {
        due = due ? std::min(*due, now + *timeout) : now + *timeout;
    }
    int poll_ms = -1;
    if (due) {
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(*due - now).count();
        poll_ms = static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
    }
    std::vector<pollfd> fds;
    fds.reserve(m_children.size() * 3 + 1 + also.size());
    fds.push_back({m_signals.fd(), POLLIN, 0});
    WatchList watches(also, fds);
    // Only open descriptors: poll() refuses more entries than RLIMIT_NOFILE allows.
    // Per child: stdout (0), stderr (1), and its stdin (2) while we have data for it.
    std::size_t first_pipe = fds.size();
    m_polled.clear();
    for (std::size_t index = 0; index < m_children.size(); ++index) {
        Child& child = m_children[index];
        for (Stream stream : {Stream::out, Stream::err}) {
            if (m_reading && child.process.pipe(stream)) {
                fds.push_back({child.process.pipe(stream).get(), POLLIN, 0});
                m_polled.emplace_back(index, static_cast<int>(stream));
            }
        }
        if (child.process.input() && !child.feed.queue.empty()) {
            fds.push_back({child.process.input().get(), POLLOUT, 0});
            m_polled.emplace_back(index, 2);
        }
    }
    if (::poll(fds.data(), fds.size(), poll_ms) >= 0) {
        handle_polled(std::span(fds).subspan(first_pipe), events);
        if (fds[0].revents != 0) {
            for (int signal : m_signals.drain()) {
                events.on_signal(signal);
            }
            reap(events);
        }
    } else if (errno != EINTR) {
        throw Error(os_error("poll"));
    }
    // Last, as their owners expect: our stdout is written once the jobs' output is in.
    watches.hand_back(fds);
}

// Termination steps that are due, then the children's pipes that poll found ready.
void ProcessSet::handle_polled(std::span<const pollfd> pipes, ProcessEvents& events)
{
    run_due_steps();
    for (std::size_t i = 0; i < pipes.size(); ++i) {
        if (pipes[i].revents == 0) {
            continue;
        }
        auto [index, which] = m_polled[i];
        Child& child = m_children[index];
        if (which == 2) {
            write_input(child, events);
        } else {
            read_pipe(child, which == 0 ? Stream::out : Stream::err, events);
        }
    }
}

void ProcessSet::signal_all(int signal)
{
    for (const auto& child : m_children) {
        ::kill(-child.process.pid(), signal);
    }
}

void ProcessSet::kill_all()
{
    for (auto& child : m_children) {
        ::kill(-child.process.pid(), SIGKILL);
        child.termination.reset(); // nothing is left to terminate when it is reaped
    }
    for (const auto& t : m_lingering) {
        ::kill(-t.group, SIGKILL);
    }
    m_lingering.clear();
    m_stopping.reset();
}

bool ProcessSet::terminating() const
{
    return !m_lingering.empty() || std::any_of(m_children.begin(), m_children.end(),
                                               [](const Child& c) { return c.termination.has_value(); });
}

void ProcessSet::terminate(std::uint64_t id, const TermSeq& termseq)
{
    for (auto& child : m_children) {
        if (child.id == id && !child.termination) {
            child.termination = Termination{child.process.pid(), termseq, 0, {}};
            advance(*child.termination, Clock::now());
        }
    }
}

void ProcessSet::stop(int first, const TermSeq& termseq)
{
    m_stopping = termseq;
    auto now = Clock::now();
    for (auto& child : m_children) {
        if (child.termination) {
            continue;
        }
        child.termination = Termination{child.process.pid(), termseq, 0, now};
        if (first != 0 && send_to_group(child.process.pid(), first)) {
            child.termination->due = now + termseq.front().wait; // then the sequence
        } else {
            advance(*child.termination, now);
        }
    }
}

void ProcessSet::run_due_steps()
{
    auto now = Clock::now();
    for (auto& child : m_children) {
        if (child.termination && child.termination->due <= now) {
            advance(*child.termination, now);
        }
    }
    std::erase_if(m_lingering, [now](Termination& t) {
        return group_gone(t.group) || (t.due <= now && !advance(t, now));
    });
}

std::optional<ProcessSet::Clock::time_point> ProcessSet::next_step_due() const
{
    std::optional<Clock::time_point> due;
    auto consider = [&due](const Termination& t) {
        if (t.next < t.steps.size() || t.due > Clock::now()) {
            due = due ? std::min(*due, t.due) : t.due;
        }
    };
    for (const auto& child : m_children) {
        if (child.termination) {
            consider(*child.termination);
        }
    }
    for (const auto& t : m_lingering) {
        consider(t);
    }
    if (!m_lingering.empty()) {
        auto check = Clock::now() + k_group_check;
        due = due ? std::min(*due, check) : check;
    }
    return due;
}

// Last resort on the way out (an error or exception): nothing may outlive fanout.
void ProcessSet::terminate_all()
{
    for (const auto& t : m_lingering) {
        ::kill(-t.group, SIGKILL);
    }
    m_lingering.clear();
    if (m_children.empty()) {
        return;
    }
    signal_all(SIGTERM);
    signal_all(SIGCONT);
    timespec deadline{};
    ::clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += k_grace_ms / 1000;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    while (!m_children.empty()) {
        for (auto it = m_children.begin(); it != m_children.end();) {
            int status = 0;
            it = ::waitpid(it->process.pid(), &status, WNOHANG) > 0 ? m_children.erase(it) : it + 1;
        }
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        if (m_children.empty() || now.tv_sec > deadline.tv_sec ||
            (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
            break;
        }
        timespec slice{0, 20 * 1000 * 1000};
        ::sigtimedwait(&chld, nullptr, &slice);
    }
    signal_all(SIGKILL);
    for (const auto& child : m_children) {
        int status = 0;
        ::waitpid(child.process.pid(), &status, 0);
    }
    m_children.clear();
}

} // namespace fanout
