#include "scheduler.hpp"

#include "exit_codes.hpp"
#include "failure_summary.hpp"
#include "resource_limits.hpp"

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>

namespace fanout {

namespace {

// Out of processes or descriptors with nothing running to free them: try again (see
// k_resource_retry) this many times before the job is reported as not started.
constexpr unsigned k_max_resource_retries = 50;

} // namespace

Scheduler::Scheduler(JobSource& jobs, const JobCommand& commands, Runner& runner, Output& output,
                     Reports& reports, JobControl control)
    : m_jobs(jobs), m_commands(commands), m_runner(runner), m_output(output), m_reports(reports),
      m_control(std::move(control))
{
    for (const auto& report : m_reports) {
        m_capture_cap = std::max(m_capture_cap, report->output_wanted());
        m_ticking = m_ticking || report->wants_ticks();
        m_reports_wait = m_reports_wait || report->waits_for_delivery();
        for (Stream stream : {Stream::out, Stream::err}) {
            m_taken[static_cast<int>(stream)] =
                m_taken[static_cast<int>(stream)] || report->takes_stream(stream);
        }
    }
}

RunResult Scheduler::run()
{
    m_progress.started_at = Clock::now();
    m_progress.expected_total = m_control.expected_jobs;
    while (true) {
        reclaim_lost_tokens();
        start_jobs(); // as many as capacity allows; m_hold says what keeps the next one
        release_spare_tokens();
        if (run_over()) {
            break;
        }
        // One wait, for a job's output or end (on_output, on_exit, on_lost), a signal
        // (on_signal), or what m_hold waits for: input, a token, a timer.
        wait_for_events(next_wakeup());
        enforce_timeouts();
        tick_reports();
    }
    m_progress.running = 0;
    for (const auto& report : m_reports) {
        report->run_finished(m_progress);
    }
    while (!m_output.idle() && m_result.signal == 0) {
        wait_for_events(std::nullopt); // the last lines (the failure summary) reach the reader
    }
    return m_result;
}

// Every job ended, no termination sequence is under way (also on what a job left
// behind), and the output is written; after a signal, only what our readers take at
// once still goes out.
bool Scheduler::run_over() const
{
    return m_running.empty() && !may_start_more() && !m_runner.terminating() &&
           (m_output.idle() || m_result.signal != 0);
}

// One wait for whatever happens next: a job's output or exit, a signal, input, a
// jobserver token, room in our stdout or stderr, or the timeout.
void Scheduler::wait_for_events(std::optional<Millis> timeout)
{
    std::array<Waitable*, 2> also{&m_output};
    std::size_t count = 1;
    if (m_hold == Hold::input_pending) {
        also[count++] = &m_jobs;
    } else if (m_hold == Hold::token_pending) {
        also[count++] = m_control.jobserver;
    }
    m_runner.wait(*this, std::span(also.data(), count), timeout);
    report_delivered();
}

bool Scheduler::may_start_more() const
{
    return m_intake == Intake::open || (m_intake == Intake::input_ended && !m_retry.empty());
}

// A free slot: below -j, or under make, the implicit slot or a jobserver token.
bool Scheduler::have_capacity()
{
    if (m_running.size() >= m_control.max_jobs) {
        m_hold = Hold::slots_full;
        return false;
    }
    Jobserver* jobserver = m_control.jobserver;
    if (jobserver == nullptr || m_running.size() < 1 + jobserver->held() || jobserver->try_acquire()) {
        return true;
    }
    m_hold = Hold::token_pending;
    return false;
}

// Tokens back to make as soon as no running job needs them (the first job runs on the
// implicit slot every make client has).
void Scheduler::release_spare_tokens()
{
    Jobserver* jobserver = m_control.jobserver;
    while (jobserver != nullptr && jobserver->held() + 1 > std::max<std::size_t>(m_running.size(), 1)) {
        jobserver->release();
    }
}

// Between jobs, a pool we serve gets back the tokens that jobs which died took with them
// (while any job runs, a token missing may be one in use).
void Scheduler::reclaim_lost_tokens()
{
    if (m_control.jobserver != nullptr && m_running.empty() && !m_runner.terminating()) {
        m_control.jobserver->reclaim_lost();
    }
}

// Starts jobs (retries first) while slots are free and input is ready; never blocks.
// Leaves in m_hold why it started no more.
void Scheduler::start_jobs()
{
    // A shortage holds while a job runs, whose end frees what it held (on_exit); with
    // none running, the wait since was the pause before trying again.
    if (m_hold != Hold::short_of_resources || m_running.empty()) {
        bool gate_closed = m_control.gate.configured() && may_start_more() && !m_control.gate.open();
        m_hold = gate_closed ? Hold::gate_closed : Hold::none;
    }
    if (m_control.round_robin) {
        if (may_start_now()) {
            feed_round_robin();
        }
        return;
    }
    while (may_start_now() && have_capacity()) {
        if (m_last_start && m_control.delay.count() > 0 && Clock::now() < *m_last_start + m_control.delay) {
            if (no_job_left()) {
                return; // --delay spaces the starts of jobs, not the last one from the end
            }
            m_hold = Hold::delay; // next_wakeup() brings us back when it is over
            return;
        }
        if (!m_retry.empty()) {
            Attempt attempt = std::move(m_retry.front());
            m_retry.pop_front();
            start_attempt(std::move(attempt));
            continue;
        }
        bool counted = !m_ahead.empty(); // read_ahead() counted it
        if (!read_job()) {
            return;
        }
        if (skip_job(m_job)) {
            m_output.job_started(m_job.seq, {}); // keeps -k's order complete
            m_output.job_finished(m_job.seq);
            continue;
        }
        if (!counted) {
            ++m_progress.total;
        }
        Attempt attempt;
        attempt.spec = std::move(m_job);
        start_attempt(std::move(attempt));
    }
}

// Whether nothing holds new jobs back, and more may come.
bool Scheduler::may_start_now()
{
    if (m_hold == Hold::none && m_output.congested()) {
        m_hold = Hold::output_congested;
    }
    return m_hold == Hold::none && may_start_more();
}

namespace {

std::size_t bytes_of(const JobSpec& job)
{
    std::size_t bytes = sizeof job + (job.input ? job.input->size() : 0);
    for (const std::string& arg : job.args) {
        bytes += sizeof(std::string) + arg.size(); // the string object and its characters
    }
    return bytes;
}

} // namespace

// The next job into m_job, without blocking; false when there is none yet or no more.
bool Scheduler::read_job()
{
    if (!m_ahead.empty()) {
        m_job = std::move(m_ahead.front());
        m_ahead.pop_front();
        m_ahead_bytes -= bytes_of(m_job);
        return true;
    }
    ReadStatus status = m_progress.input_complete ? ReadStatus::end : m_jobs.next(m_job, false);
    if (status == ReadStatus::would_block) {
        m_hold = Hold::input_pending;
    }
    if (status == ReadStatus::end) {
        m_intake = Intake::input_ended;
        m_progress.input_complete = true;
    }
    return status == ReadStatus::record;
}

// Whether no job is left to start: none to retry, none read ahead, and the input has
// ended (read ahead now, without blocking, to know).
bool Scheduler::no_job_left()
{
    if (!m_retry.empty() || !m_ahead.empty()) {
        return false;
    }
    read_ahead();
    if (!m_ahead.empty() || !m_progress.input_complete) {
        return false;
    }
    m_intake = Intake::input_ended;
    return true;
}

// Reads the jobs the input has ready, ahead of the slots, and counts those that will
// run: once the input has ended, progress knows the total (GNU parallel reads all of
// it first for --bar and --eta; this reads no further than k_max_ahead_*).
void Scheduler::read_ahead()
{
    while (m_intake == Intake::open && !m_progress.input_complete && m_ahead.size() < k_max_ahead_jobs &&
           m_ahead_bytes < k_max_ahead_bytes) {
        JobSpec job;
        ReadStatus status = m_jobs.next(job, false);
        if (status == ReadStatus::end) {
            m_progress.input_complete = true;
        }
        if (status != ReadStatus::record) {
            return;
        }
        if (!skip_job(job)) {
            ++m_progress.total;
        }
        m_ahead_bytes += bytes_of(job);
        m_ahead.push_back(std::move(job));
    }
}

// --round-robin: each block goes to a running job that took everything it was given;
// a new job starts only when all are busy and a slot is free. At the end of the
// input every job's stdin is closed.
void Scheduler::feed_round_robin()
{
    while (may_start_more()) {
        if (!m_have_block && !read_job()) {
            for (const auto& [seq, attempt] : m_running) {
                if (m_intake == Intake::input_ended) {
                    m_runner.feed(seq, nullptr, true);
                }
            }
            return;
        }
        m_have_block = true;
        while (!m_idle.empty() && !m_running.contains(m_idle.front())) {
            m_idle.pop_front(); // it has exited since
        }
        if (!m_idle.empty()) {
            Attempt& attempt = m_running.at(m_idle.front());
            m_idle.pop_front();
            if (m_job.input && m_job.header_size > 0) {
                // The job's stream began with the header: it gets it once.
                m_job.input = std::make_shared<const std::string>(m_job.input->substr(m_job.header_size));
            }
            attempt.sent += m_job.input ? m_job.input->size() : 0;
            m_runner.feed(attempt.spec.seq, std::move(m_job.input), false);
            m_have_block = false;
        } else if (have_capacity()) {
            Attempt attempt;
            attempt.spec = std::move(m_job);
            attempt.spec.seq = ++m_stream_jobs;
            ++m_progress.total;
            m_have_block = false;
            start_attempt(std::move(attempt));
        } else {
            return; // until a job takes its block or ends
        }
    }
}

void Scheduler::on_input_drained(std::uint64_t seq)
{
    m_idle.push_back(seq);
}

// --resume: the joblog has this seq with the same command (and, for --resume-failed,
// a success). (GNU parallel's skip(), from {= =} or --plus's {choose_k} and {uniq}, is
// decided when the job is built: such a job is recorded, as failed.)
bool Scheduler::skip_job(const JobSpec& job) const
{
    if (!m_control.resume_from) {
        return false;
    }
    auto it = m_control.resume_from->find(job.seq);
    if (it == m_control.resume_from->end()) {
        return false;
    }
    auto built = m_commands.build(job, 0);
    const auto* command = std::get_if<Command>(&built);
    const auto* skipped = std::get_if<Skipped>(&built); // logged as -2: done, as in GNU parallel
    bool same = (command && command->display == it->second.command) ||
                (skipped && skipped->display == it->second.command);
    bool succeeded = it->second.exit_code == 0 && it->second.signal == 0;
    return same && (!m_control.resume_failed || succeeded);
}

std::size_t Scheduler::take_slot()
{
    if (m_free_slots.empty()) {
        return ++m_slots_made;
    }
    std::size_t slot = m_free_slots.top();
    m_free_slots.pop();
    return slot;
}

std::optional<Scheduler::Clock::time_point> Scheduler::deadline_for(const JobSpec& job,
                                                                    Clock::time_point start) const
{
    if (job.task && job.task->timeout) {
        return start + *job.task->timeout;
    }
    const TimeoutSpec& timeout = m_control.timeout;
    if (timeout.fixed.count() > 0) {
        return start + timeout.fixed;
    }
    if (timeout.percent_of_median <= 0 || m_runtimes.empty()) {
        return std::nullopt;
    }
    // GNU parallel's median: the lower middle value, from the first finished job on.
    std::vector<double> sorted = m_runtimes;
    auto middle = sorted.begin() + static_cast<std::ptrdiff_t>((sorted.size() - 1) / 2);
    std::nth_element(sorted.begin(), middle, sorted.end());
    double seconds = *middle * timeout.percent_of_median / 100;
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// As GNU parallel: with --timeout N%, every finished job moves the limit of the jobs
// still running, those started before any job had finished included.
void Scheduler::renew_median_deadlines()
{
    if (m_control.timeout.percent_of_median <= 0 || m_control.timeout.fixed.count() > 0) {
        return;
    }
    for (auto& [seq, attempt] : m_running) {
        if (!attempt.timed_out && !(attempt.spec.task && attempt.spec.task->timeout)) {
            attempt.deadline = deadline_for(attempt.spec, attempt.started);
        }
    }
}

void Scheduler::start_attempt(Attempt attempt)
{
    attempt.slot = take_slot();
    if (attempt.number == 1) {
        Output::Retag retag;
        if (m_commands.tag_per_line()) {
            JobSpec spec = attempt.spec;
            spec.input.reset(); // a --pipe block is not the tag's: it need not stay in memory
            retag = [this, spec = std::move(spec), slot = attempt.slot] {
                return m_commands.tag(spec, slot);
            };
        }
        m_output.job_started(attempt.spec.seq, m_commands.tag(attempt.spec, attempt.slot), std::move(retag));
    }
    attempt.started = Clock::now();
    attempt.started_wall = std::chrono::system_clock::now();
    m_last_start = attempt.started;
    auto built = m_commands.build(attempt.spec, attempt.slot);
    if (m_taken[0] || m_taken[1]) { // its files are open before anything is said of it
        tell_attempt_started(attempt, results_path_of(built));
    }
    if (auto* why = std::get_if<CannotRun>(&built)) {
        fail_to_start(attempt, why->message, why->exit_code);
        return;
    }
    if (auto* skipped = std::get_if<Skipped>(&built)) {
        if (m_control.verbose) { // GNU parallel runs `true` in its place, and -t shows it
            m_output.say(skipped->display);
        }
        if (m_control.dry_run) {
            m_output.job_output(attempt.spec.seq, Stream::out, skipped->display + "\n");
        }
        attempt.command = skipped->display;
        end_unstarted(attempt, k_exit_skipped);
        return;
    }
    Command& command = std::get<Command>(built);
    command.stream_input = m_control.round_robin;
    attempt.command = command.display;
    attempt.sent = command.input ? command.input->size() : 0;
    if (m_control.verbose) {
        m_output.say(command.display);
    }
    StartResult result = m_runner.start(attempt.spec.seq, command, attempt.slot);
    if (result.kind == StartResult::Kind::host_gone) {
        retire_slot(std::move(attempt));
        return;
    }
    if (result.kind == StartResult::Kind::out_of_resources && requeue_on_shortage(attempt, result.shortage)) {
        return;
    }
    if (!result.started()) {
        fail_to_start(attempt, not_started_message(attempt.spec.seq, command, result),
                      not_started_exit_code(result));
        return;
    }
    attempt.deadline = deadline_for(attempt.spec, attempt.started);
    m_resource_retries = 0;
    std::uint64_t seq = attempt.spec.seq;
    m_running.emplace(seq, std::move(attempt));
    m_progress.running = m_running.size();
}

// Where --results NAME puts the job's files: the build filled it in with the command's
// perl expressions, whether or not the job can run.
std::string Scheduler::results_path_of(const std::variant<Command, CannotRun, Skipped>& built)
{
    return std::visit([](const auto& outcome) { return outcome.results_path; }, built);
}

// Reports that keep the job's output themselves open its files (afresh for a retry).
void Scheduler::tell_attempt_started(const Attempt& attempt, std::string results_path)
{
    JobRecord job;
    job.seq = attempt.spec.seq;
    job.slot = attempt.slot;
    job.args = attempt.spec.args;
    job.results_path = std::move(results_path);
    job.id = attempt.spec.task ? attempt.spec.task->id : std::string();
    for (const auto& report : m_reports) {
        report->attempt_started(job);
    }
}

// The slot's host is down: the slot goes, and the attempt runs again in another one.
// Without any slot left, nothing more can run.
void Scheduler::retire_slot(Attempt attempt)
{
    m_control.max_jobs -= m_control.max_jobs > 0 ? 1 : 0;
    Attempt again;
    again.spec = std::move(attempt.spec);
    again.number = attempt.number;
    m_retry.push_front(std::move(again));
    if (m_control.max_jobs == 0) {
        m_result.hosts_gone = true;
        m_intake = Intake::stopping;
    }
}

// No more processes or descriptors passes: the job goes back to the front of the queue
// and waits for a running job to end, or, with none running, for a short while.
// Nothing is lost or reported failed for it. Memory is not waited for: no job of ours
// need give it back.
bool Scheduler::requeue_on_shortage(Attempt& attempt, Shortage shortage)
{
    if (shortage == Shortage::memory || (m_running.empty() && m_resource_retries >= k_max_resource_retries)) {
        return false;
    }
    m_resource_retries += m_running.empty() ? 1 : 0;
    m_hold = Hold::short_of_resources;
    if (!m_running.empty() && !m_shortage_warned) {
        m_shortage_warned = true;
        m_output.say("fanout: warning: only " + std::to_string(m_running.size()) +
                     (m_running.size() == 1 ? " job" : " jobs") + " at once: " + limit_name(shortage) +
                     " allows no more");
    }
    m_free_slots.push(attempt.slot);
    m_retry.push_front(std::move(attempt));
    return true;
}

// A job that never ran still counts, and its message keeps its place in the output.
void Scheduler::fail_to_start(Attempt& attempt, const std::string& message, int exit_code)
{
    m_output.job_output(attempt.spec.seq, Stream::err, message + "\n");
    if (attempt.command.empty()) {
        attempt.command = "(" + attempt.spec.origin + ")"; // there is no command to show
    }
    end_unstarted(attempt, exit_code);
}

// A job that never started ends: its slot is free again, and it is recorded.
void Scheduler::end_unstarted(Attempt& attempt, int exit_code)
{
    m_free_slots.push(attempt.slot);
    JobRecord record = take_record(attempt, nullptr);
    record.exit_code = exit_code;
    record.started = false;
    finish(std::move(record));
}

} // namespace fanout
