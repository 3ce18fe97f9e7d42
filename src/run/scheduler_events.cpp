// The scheduler's side that hears from running jobs: their output, exits and losses,
// signals to fanout, and the timers (timeouts, progress ticks, looking again at --load
// or a resource shortage). What it starts, and when, is in scheduler.cpp.
#include "scheduler.hpp"

#include "failure_summary.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>

namespace fanout {

namespace {

constexpr auto k_tick_interval = std::chrono::milliseconds(100);
// How often --load and --memfree look again while they hold jobs back.
constexpr auto k_gate_recheck = std::chrono::seconds(1);
// Out of processes or descriptors with nothing running to free them: try again this often.
constexpr auto k_resource_retry = std::chrono::milliseconds(100);

// The signal a stopping run first passes on to the jobs: INT, TERM, HUP and QUIT, which
// ask a whole terminal or session to stop; the others (USR2, ALRM, XCPU...) mean
// nothing to a job: 0, the termination sequence alone.
int passed_on(int signal)
{
    return signal == SIGINT || signal == SIGTERM || signal == SIGHUP || signal == SIGQUIT ? signal : 0;
}

std::chrono::milliseconds until(std::chrono::steady_clock::time_point when)
{
    auto left = std::chrono::ceil<std::chrono::milliseconds>(when - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
}

} // namespace

JobRecord Scheduler::take_record(Attempt& attempt, const JobExit* exit) const
{
    JobRecord record;
    record.seq = attempt.spec.seq;
    record.slot = attempt.slot;
    record.host = m_runner.host_of(attempt.slot);
    record.command = std::move(attempt.command);
    record.args = std::move(attempt.spec.args);
    record.start = attempt.started_wall;
    record.runtime = Clock::now() - attempt.started;
    record.timed_out = attempt.timed_out;
    record.attempts = attempt.number;
    record.id = attempt.spec.task ? attempt.spec.task->id : std::string();
    record.sent = attempt.sent;
    for (int s = 0; s < 2; ++s) {
        record.bytes[s] = attempt.bytes[s];
        record.output[s] = std::move(attempt.captured[s]);
        record.output_truncated[s] = attempt.truncated[s];
    }
    if (exit != nullptr) {
        record.exit_code = exit->exit_code;
        record.signal = exit->signal;
        record.usage = exit->usage;
    }
    return record;
}

void Scheduler::finish(JobRecord record)
{
    if (record.failed()) {
        ++m_result.failed;
        ++m_progress.failed;
    } else {
        ++m_result.succeeded;
    }
    ++m_progress.done;
    if (record.started) {
        if (m_runtimes.size() < k_max_runtimes) {
            m_runtimes.push_back(record.runtime.count());
        } else {
            m_runtimes[m_runtime_next++ % k_max_runtimes] = record.runtime.count();
        }
        renew_median_deadlines();
    }
    int exit_code = record.exit_code;
    std::string epilogue;
    for (const auto& report : m_reports) {
        std::string in_place = report->stdout_in_place(record);
        if (!in_place.empty()) {
            m_output.job_output(record.seq, Stream::out, in_place);
        }
        epilogue += report->line_for_stdout(record);
    }
    m_output.job_finished(record.seq, std::move(epilogue));
    for (const auto& report : m_reports) {
        if (!report->waits_for_delivery()) {
            report->job_finished(record);
        }
    }
    if (m_reports_wait) {
        m_undelivered.emplace(record.seq, std::move(record));
        report_delivered();
    }
    check_halt(exit_code);
}

// The jobs whose output our readers now have all of, to the reports that wait for it.
void Scheduler::report_delivered()
{
    std::uint64_t seq = 0;
    while (m_output.next_delivered(seq)) {
        auto node = m_undelivered.extract(seq);
        if (node.empty()) {
            continue; // skipped by --resume, or no report waits
        }
        for (const auto& report : m_reports) {
            if (report->waits_for_delivery()) {
                report->job_finished(node.mapped());
            }
        }
    }
}

void Scheduler::check_halt(int exit_code)
{
    JobCounts counts{m_result.failed, m_result.succeeded, m_control.expected_jobs};
    if (m_result.halt_exit || !halt_reached(m_control.halt, counts)) {
        return;
    }
    m_result.halt_exit = halt_exit_code(m_control.halt, counts, exit_code);
    m_intake = Intake::stopping;
    m_retry.clear();
    if (m_control.halt.when == HaltPolicy::When::now) {
        m_runner.stop(0, m_control.termseq);
    }
}

void Scheduler::on_output(std::uint64_t seq, Stream stream, std::string_view data)
{
    auto it = m_running.find(seq);
    if (it != m_running.end()) {
        int s = static_cast<int>(stream);
        Attempt& attempt = it->second;
        attempt.bytes[s] += data.size();
        if (m_capture_cap > 0) {
            std::size_t room = m_capture_cap - std::min(m_capture_cap, attempt.captured[s].size());
            attempt.captured[s].append(data.substr(0, room));
            attempt.truncated[s] = attempt.truncated[s] || data.size() > room;
        }
        if (m_taken[s]) {
            for (const auto& report : m_reports) {
                report->attempt_output(seq, stream, data);
            }
            return; // kept by a report, not written to our stdout or stderr
        }
    }
    m_output.job_output(seq, stream, data);
}

void Scheduler::on_exit(std::uint64_t seq, const JobExit& exit)
{
    auto node = m_running.extract(seq);
    if (node.empty()) {
        return;
    }
    Attempt& attempt = node.mapped();
    m_progress.running = m_running.size();
    m_free_slots.push(attempt.slot);
    if (m_hold == Hold::short_of_resources) {
        m_hold = Hold::none; // what it held is free again
    }
    bool can_retry = !m_control.round_robin; // its blocks are gone
    const Task* task = attempt.spec.task.get();
    // As GNU parallel, --retries N is N attempts in all; 0 (forever in GNU parallel) is 1.
    std::size_t attempts = task && task->retries ? *task->retries : m_control.retries;
    if (exit.exit_code != 0 && attempt.number < attempts && m_intake != Intake::stopping && can_retry) {
        m_output.job_discard(seq); // only the last attempt's output is shown
        Attempt retry;
        retry.spec = std::move(attempt.spec);
        retry.number = attempt.number + 1;
        m_retry.push_back(std::move(retry));
        return;
    }
    finish(take_record(attempt, &exit));
}

// Its host went: what it wrote is dropped, and it runs again in another slot.
void Scheduler::on_lost(std::uint64_t seq)
{
    auto node = m_running.extract(seq);
    if (node.empty()) {
        return;
    }
    m_progress.running = m_running.size();
    m_output.job_discard(seq);
    retire_slot(std::move(node.mapped()));
}

// USR1: list the running jobs. TSTP/CONT: the jobs stop and continue with us. Any
// other signal (INT, TERM, HUP, QUIT, USR2, ALRM...: the inbox has only those that
// would end us) stops the run: start nothing more, pass it on (see passed_on), then
// the termination sequence; a second one kills at once.
void Scheduler::on_signal(int signal)
{
    if (signal == SIGUSR1) {
        list_running();
        return;
    }
    if (signal == SIGTSTP) {
        m_runner.suspend();
        return;
    }
    if (signal == SIGCONT) {
        m_runner.signal_all(SIGCONT);
        return;
    }
    if (m_result.signal == 0) {
        m_result.signal = signal;
        m_intake = Intake::stopping;
        m_retry.clear();
        m_runner.stop(passed_on(signal), m_control.termseq);
    } else {
        m_runner.kill_all();
    }
}

// Which jobs run, for how long, as what command: GNU parallel lists them on SIGUSR1 too.
void Scheduler::list_running()
{
    std::vector<const Attempt*> attempts;
    for (const auto& [seq, attempt] : m_running) {
        attempts.push_back(&attempt);
    }
    std::sort(attempts.begin(), attempts.end(),
              [](const Attempt* a, const Attempt* b) { return a->spec.seq < b->spec.seq; });
    std::size_t count = attempts.size();
    m_output.say(count == 0
                     ? std::string("fanout: no job is running")
                     : "fanout: " + std::to_string(count) + (count == 1 ? " job" : " jobs") + " running:");
    auto now = Clock::now();
    for (const Attempt* attempt : attempts) {
        char runtime[32];
        std::snprintf(runtime, sizeof runtime, "running %.1fs",
                      std::chrono::duration<double>(now - attempt->started).count());
        m_output.say(job_line(attempt->spec.seq, runtime, attempt->command));
    }
}

void Scheduler::enforce_timeouts()
{
    auto now = Clock::now();
    for (auto& [seq, attempt] : m_running) {
        if (attempt.deadline && !attempt.timed_out && *attempt.deadline <= now) {
            attempt.timed_out = true;
            m_runner.terminate(seq, m_control.termseq);
        }
    }
}

void Scheduler::tick_reports()
{
    auto now = Clock::now();
    if (!m_ticking || now - m_last_tick < k_tick_interval) {
        return;
    }
    m_last_tick = now;
    m_done_at_last_tick = m_progress.done;
    if (!m_control.round_robin && !m_progress.expected_total) {
        read_ahead(); // round-robin counts jobs, not blocks: no total to know
    }
    for (const auto& report : m_reports) {
        report->tick(m_progress);
    }
}

// The longest wait() may block: until the next deadline, delay or progress tick.
std::optional<Millis> Scheduler::next_wakeup() const
{
    std::optional<Clock::time_point> due;
    auto consider = [&due](Clock::time_point t) { due = due ? std::min(*due, t) : t; };
    for (const auto& [seq, attempt] : m_running) {
        if (attempt.deadline && !attempt.timed_out) {
            consider(*attempt.deadline);
        }
    }
    if (m_hold == Hold::delay) { // only then: once it is over, waiting for input must not spin
        consider(*m_last_start + m_control.delay);
    }
    // While jobs run, and once more after the last of them ended: waiting for more input
    // must still show the jobs that ended, but need not wake up ten times a second.
    if (m_ticking && (!m_running.empty() || m_progress.done != m_done_at_last_tick)) {
        consider(m_last_tick + k_tick_interval);
    }
    if (m_hold == Hold::gate_closed) {
        consider(Clock::now() + k_gate_recheck);
    }
    if (m_hold == Hold::short_of_resources && m_running.empty()) {
        consider(Clock::now() + k_resource_retry);
    }
    if (!due) {
        return std::nullopt;
    }
    return until(*due);
}

} // namespace fanout
