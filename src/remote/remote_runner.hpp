// RemoteRunner: runs each job on the host that owns its slot: over ssh through that
// host's multiplexed connection, or here for ":". A host whose connection is lost is
// marked down and its jobs come back to the scheduler as lost, to run elsewhere.
#pragma once

#include "job_count.hpp"
#include "local_runner.hpp"
#include "output.hpp"
#include "remote_command.hpp"
#include "ssh_master.hpp"

#include <chrono>
#include <memory>
#include <unordered_map>

namespace fanout {

class RemoteRunner : public Runner {
public:
    // Connects to every host; `jobs` (-j) sizes a host that has no N/ by its CPUs.
    RemoteRunner(std::vector<SshLogin> logins, RemoteSetup setup, bool capture,
                 const std::optional<JobCount>& jobs, Output& output);

    // Slots over all hosts that could be reached; 0 when none.
    [[nodiscard]] std::size_t slots() const { return m_slots; }

    StartResult start(std::uint64_t seq, const Command& command, std::size_t slot) override;
    void wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout) override;
    void feed(std::uint64_t seq, std::shared_ptr<const std::string> data, bool last) override
    {
        m_local.feed(seq, std::move(data), last);
    }
    void terminate(std::uint64_t seq, const TermSeq& termseq) override { m_local.terminate(seq, termseq); }
    void stop(int first, const TermSeq& termseq) override
    {
        m_stopping = true; // what ends now was stopped, not lost
        m_local.stop(first, termseq);
    }
    void kill_all() override { m_local.kill_all(); }
    void signal_all(int signal) override { m_local.signal_all(signal); }
    void suspend() override { m_local.suspend(); } // the ssh clients, then fanout itself
    [[nodiscard]] bool terminating() const override { return m_local.terminating(); }
    [[nodiscard]] std::string host_of(std::size_t slot) const override;

private:
    class LossDetector;
    using Clock = std::chrono::steady_clock;
    // A job that ended as ssh does when its connection goes: whether it was lost or
    // failed is decided once its host has been looked at (see decide()).
    struct Verdict {
        std::uint64_t id;
        std::size_t host;
        JobExit exit;
        int checks; // looks so far that found the host there
        Clock::time_point next_check;
    };

    std::size_t slots_by_cpus(std::size_t host, const std::optional<JobCount>& jobs);
    [[nodiscard]] bool may_be_lost(std::size_t host, int exit_code) const;
    void decide(ProcessEvents& events);

    Output& m_output;
    RemoteSetup m_setup;
    LocalRunner m_local; // before the connections: its signal handling covers their set-up
    std::vector<SshLogin> m_logins;
    std::unique_ptr<SshMasters> m_masters;
    std::vector<std::size_t> m_first_slot; // per host: its first slot (1-based)
    std::size_t m_slots = 0;
    std::unordered_map<std::uint64_t, std::size_t> m_job_host; // running job -> host
    bool m_stopping = false;
    std::vector<Verdict> m_verdicts; // jobs whose end is not yet told
};

} // namespace fanout
