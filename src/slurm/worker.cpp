#include "worker.hpp"

#include "allocation.hpp"
#include "frame_link.hpp"
#include "local_runner.hpp"
#include "worker_protocol.hpp"

#include <unistd.h>

#include <chrono>
#include <deque>
#include <unordered_set>

namespace fanout {

namespace {

// A job that could not start for want of processes or descriptors waits this long, or
// until another job ends, before it tries again.
constexpr Millis k_retry_gap(50);
// Slurm ends a step by signalling every process in it, the jobs and the worker, in no
// set order: a job may die of that signal before the worker hears of it. So the end of
// a job killed by a signal fanout did not send is told only after this long, once the
// worker would have said that it is leaving (and the job is lost, not failed).
constexpr Millis k_unasked_signal_grace(200);
// The jobs' output waiting for fanout to take it, past which the worker stops reading
// the jobs (they block on their next write): fanout takes it only as fast as srun passes
// it on, and a job writing gigabytes would otherwise have them all in the worker's memory.
constexpr std::size_t k_outbox_limit = std::size_t{4} << 20;

class Worker : public ProcessEvents {
public:
    Worker() : m_link(STDIN_FILENO, STDOUT_FILENO) { m_local.kill_jobs_when_we_die(); }

    int run()
    {
        say_hello();
        while (true) {
            while (auto fields = m_link.next()) {
                handle(decode_request(*fields));
            }
            if (m_link.ended() && !m_stopping) {
                stop(0, parse_termseq(k_default_termseq)); // fanout is gone: so are its jobs
            }
            tell_held(false);
            if (m_stopping && m_running.empty() && m_waiting.empty() && !m_local.terminating()) {
                break;
            }
            retry_waiting();
            m_local.read_output(m_link.queued() < k_outbox_limit);
            Waitable* also[] = {&m_link};
            m_local.wait(*this, also, next_timeout());
        }
        tell_held(true);
        m_link.flush_all(); // the last exits, which fanout waits for
        stay_until_hung_up();
        return 0;
    }

    void on_output(std::uint64_t id, Stream stream, std::string_view data) override
    {
        WorkerReport report;
        report.kind = WorkerReport::Kind::output;
        report.seq = id;
        report.stream = stream;
        report.data = data;
        m_link.send(encode(report));
    }
    void on_exit(std::uint64_t id, const JobExit& exit) override
    {
        m_running.erase(id);
        if (exit.signal != 0 && !m_stopping && m_asked.count(id) == 0) {
            m_held.push_back({id, exit, Clock::now() + k_unasked_signal_grace});
            return;
        }
        m_asked.erase(id);
        send_exit(id, exit);
    }
    void on_lost(std::uint64_t id) override { on_exit(id, JobExit::exited(255)); }
    void on_signal(int signal) override
    {
        if (signal != SIGCHLD && signal != SIGTSTP && signal != SIGCONT && signal != SIGUSR1 &&
            signal != SIGWINCH) {
            // scancel, the allocation's end, a node going down: fanout must hear it
            // first, or it would take the stopped jobs' exits for their own.
            WorkerReport leaving;
            leaving.kind = WorkerReport::Kind::leaving;
            leaving.signal = signal;
            m_link.send(encode(leaving));
            stop(signal, parse_termseq(k_default_termseq));
        }
    }

private:
    using Clock = std::chrono::steady_clock;
    struct Held {
        std::uint64_t seq;
        JobExit exit;
        Clock::time_point due;
    };

    void say_hello()
    {
        WorkerReport hello;
        hello.kind = WorkerReport::Kind::hello;
        hello.protocol = k_worker_protocol;
        hello.node = slurm_variable("SLURMD_NODENAME");
        hello.step = slurm_variable("SLURM_JOB_ID") + "." + slurm_variable("SLURM_STEP_ID");
        m_link.send(encode(hello));
    }

    // Until a waiting job may try again, or a held exit is due; none: until something happens.
    std::optional<Millis> next_timeout() const
    {
        std::optional<Millis> timeout;
        if (!m_waiting.empty()) {
            timeout = k_retry_gap;
        }
        if (!m_held.empty()) {
            auto until = std::chrono::ceil<Millis>(m_held.front().due - Clock::now());
            timeout = std::min(timeout.value_or(until), std::max(until, Millis(0)));
        }
        return timeout;
    }

    // The step ends with us, and slurmstepd may then drop what it has not yet passed on
    // to srun (a flood of output before the stop): fanout must have it all, so the
    // worker stays until fanout hangs up.
    void stay_until_hung_up()
    {
        while (!m_link.ended()) {
            Waitable* also[] = {&m_link};
            m_local.wait(*this, also, std::nullopt);
            while (m_link.next()) {
            }
        }
    }

    // Tells the held exits that are due (all of them when `all`).
    void tell_held(bool all)
    {
        auto now = Clock::now();
        while (!m_held.empty() && (all || m_held.front().due <= now)) {
            send_exit(m_held.front().seq, m_held.front().exit);
            m_held.pop_front();
        }
    }

    struct Waiting {
        std::uint64_t seq;
        std::size_t slot;
        Command command;
    };

    void handle(const WorkerRequest& request)
    {
        using Kind = WorkerRequest::Kind;
        switch (request.kind) {
        case Kind::ack:
            break;
        case Kind::run:
            if (m_stopping) {
                send_exit(request.seq, JobExit::exited(255));
            } else {
                start(request.seq, request.slot, request.command);
            }
            break;
        case Kind::terminate:
            if (std::erase_if(m_waiting, [&](const Waiting& w) { return w.seq == request.seq; }) > 0) {
                send_exit(
                    request.seq,
                    JobExit::killed(request.termseq.empty() ? SIGTERM : request.termseq.front().signal));
            } else if (m_running.count(request.seq) > 0) { // not one that ended meanwhile
                m_asked.insert(request.seq);
                m_local.terminate(request.seq, request.termseq);
            }
            break;
        case Kind::stop:
            stop(request.signal, request.termseq);
            break;
        case Kind::kill:
            m_local.kill_all();
            break;
        case Kind::signal:
            m_local.signal_all(request.signal);
            break;
        }
    }

    void start(std::uint64_t seq, std::size_t slot, const Command& command)
    {
        StartResult result = m_local.start(seq, command, slot);
        if (result.started()) {
            m_running.insert(seq);
        } else if (result.kind == StartResult::Kind::out_of_resources) {
            m_waiting.push_back({seq, slot, command});
        } else {
            on_output(seq, Stream::err, not_started_message(seq, command, result) + "\n");
            send_exit(seq, JobExit::exited(not_started_exit_code(result)));
        }
    }

    void retry_waiting()
    {
        std::size_t count = m_waiting.size();
        for (std::size_t i = 0; i < count && !m_stopping; ++i) {
            Waiting waiting = std::move(m_waiting.front());
            m_waiting.pop_front();
            start(waiting.seq, waiting.slot, waiting.command);
        }
    }

    void stop(int first, const TermSeq& termseq)
    {
        m_stopping = true;
        for (const Waiting& waiting : m_waiting) {
            send_exit(waiting.seq, JobExit::exited(255));
        }
        m_waiting.clear();
        m_local.stop(first, termseq);
    }

    void send_exit(std::uint64_t seq, const JobExit& exit)
    {
        WorkerReport report;
        report.kind = WorkerReport::Kind::exit;
        report.seq = seq;
        report.exit = exit;
        m_link.send(encode(report));
    }

    LocalRunner m_local{true}; // first: its signal inbox covers all that follows
    FrameLink m_link;
    std::unordered_set<std::uint64_t> m_running;
    std::unordered_set<std::uint64_t> m_asked; // jobs fanout asked to terminate
    std::deque<Held> m_held;                   // exits by a signal nobody here sent
    std::deque<Waiting> m_waiting;
    bool m_stopping = false;
};

} // namespace

int run_slurm_worker()
{
    Worker worker;
    return worker.run();
}

} // namespace fanout
