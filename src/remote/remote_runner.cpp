#include "remote_runner.hpp"

#include "cpu_count.hpp"
#include "job_count.hpp"

#include <algorithm>

namespace fanout {

namespace {

// A client can see its connection end a moment before the master has gone: how often
// and how far apart to look again before calling a host down.
constexpr int k_alive_checks = 3;
constexpr auto k_alive_check_gap = std::chrono::milliseconds(50);

// ssh's own failures (and the transfer script's) exit 255.
constexpr int k_ssh_failed = 255;

} // namespace

// Passes events on, but tells the exit of a job whose host went away as its loss.
class RemoteRunner::LossDetector : public ProcessEvents {
public:
    LossDetector(RemoteRunner& runner, ProcessEvents& events) : m_runner(runner), m_events(events) {}

    void on_output(std::uint64_t id, Stream stream, std::string_view data) override
    {
        m_events.on_output(id, stream, data);
    }
    void on_signal(int signal) override { m_events.on_signal(signal); }
    void on_input_drained(std::uint64_t id) override { m_events.on_input_drained(id); }
    void on_lost(std::uint64_t id) override { m_events.on_lost(id); }
    void on_exit(std::uint64_t id, const JobExit& exit) override
    {
        auto it = m_runner.m_job_host.find(id);
        if (it == m_runner.m_job_host.end()) {
            m_events.on_exit(id, exit);
            return;
        }
        std::size_t host = it->second;
        m_runner.m_job_host.erase(it);
        if (!m_runner.may_be_lost(host, exit.exit_code)) {
            m_events.on_exit(id, exit);
            return;
        }
        m_runner.m_verdicts.push_back({id, host, exit, 0, Clock::now()});
        m_runner.decide(m_events);
    }

private:
    RemoteRunner& m_runner;
    ProcessEvents& m_events;
};

RemoteRunner::RemoteRunner(std::vector<SshLogin> logins, RemoteSetup setup, bool capture,
                           const std::optional<JobCount>& jobs, Output& output)
    : m_output(output), m_setup(std::move(setup)), m_local(capture), m_logins(std::move(logins))
{
    m_masters = std::make_unique<SshMasters>(m_setup.ssh, m_logins, [this](const std::string& warning) {
        m_output.say("fanout: warning: " + warning);
    });
    std::size_t next = 1;
    for (std::size_t i = 0; i < m_logins.size(); ++i) {
        m_first_slot.push_back(next);
        const SshLogin& login = m_logins[i];
        if (!m_masters->up(i)) {
            continue;
        }
        next += login.slots ? *login.slots : slots_by_cpus(i, jobs);
    }
    m_first_slot.push_back(next);
    m_slots = next - 1;
}

// A host without N/: -j applied to its CPU count (asked once, over its connection), or
// one slot per CPU.
std::size_t RemoteRunner::slots_by_cpus(std::size_t host, const std::optional<JobCount>& jobs)
{
    const SshLogin& login = m_logins[host];
    std::optional<std::size_t> cpus = login.local ? usable_cpu_count() : m_masters->cpu_count(host);
    if (!cpus) {
        m_output.say("fanout: warning: host " + login.name +
                     " did not tell its CPU count; 1 job at a time there (" + "give N/" + login.name +
                     " to choose)");
    }
    return jobs ? jobs->slots(cpus.value_or(1), unlimited_job_count()) : cpus.value_or(1);
}

std::string RemoteRunner::host_of(std::size_t slot) const
{
    auto host = slot_owner(m_first_slot, slot);
    return host ? m_logins[*host].name : ":";
}

StartResult RemoteRunner::start(std::uint64_t seq, const Command& command, std::size_t slot)
{
    auto host = slot_owner(m_first_slot, slot);
    if (!host || !m_masters->up(*host)) {
        return StartResult::failed(StartResult::Kind::host_gone);
    }
    const SshLogin& login = m_logins[*host];
    StartResult result;
    if (login.local) {
        result = m_local.start(seq, command, slot);
    } else if (command.input) {
        // Its stdin is the connection's lifeline.
        result = StartResult::failed(StartResult::Kind::no_remote_stdin);
    } else {
        result = m_local.start(
            seq, remote_command(command, m_setup, login, m_masters->control_path(*host), seq, slot), slot);
    }
    if (result.started()) {
        m_job_host[seq] = *host;
    }
    return result;
}

void RemoteRunner::wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout)
{
    if (!m_verdicts.empty()) { // wake up for the next look at a host
        auto next =
            std::min_element(m_verdicts.begin(), m_verdicts.end(), [](const Verdict& a, const Verdict& b) {
                return a.next_check < b.next_check;
            })->next_check;
        auto until_next = std::max(std::chrono::ceil<Millis>(next - Clock::now()), Millis(0));
        timeout = timeout ? std::min(*timeout, until_next) : until_next;
    }
    LossDetector detector(*this, events);
    m_local.wait(detector, also, timeout);
    decide(events);
}

// Whether a job that exited with `exit_code` on `host` may have ended because the host
// went (ssh's own failure, on a host we reach over ssh, while the run goes on).
bool RemoteRunner::may_be_lost(std::size_t host, int exit_code) const
{
    return !m_logins[host].local && exit_code == k_ssh_failed && !m_stopping;
}

// Looks at the host of each job whose verdict is due: gone (the job is lost: it runs
// again elsewhere), or still there after k_alive_checks looks (the job failed). The
// looks are k_alive_check_gap apart, and the loop goes on in between.
void RemoteRunner::decide(ProcessEvents& events)
{
    auto now = Clock::now();
    for (std::size_t i = 0; i < m_verdicts.size();) {
        Verdict& verdict = m_verdicts[i];
        if (verdict.next_check > now) {
            ++i;
            continue;
        }
        bool gone = !m_stopping && (!m_masters->up(verdict.host) || !m_masters->alive(verdict.host));
        if (!gone && !m_stopping && ++verdict.checks < k_alive_checks) {
            verdict.next_check = now + k_alive_check_gap;
            ++i;
            continue;
        }
        Verdict decided = verdict;
        m_verdicts.erase(m_verdicts.begin() + static_cast<std::ptrdiff_t>(i));
        if (!gone) {
            events.on_exit(decided.id, decided.exit);
            continue;
        }
        if (m_masters->up(decided.host)) {
            m_masters->mark_down(decided.host);
            m_output.say("fanout: warning: host " + m_logins[decided.host].name +
                         " lost its connection; its jobs run again on the other hosts");
        }
        events.on_lost(decided.id);
    }
}

} // namespace fanout
