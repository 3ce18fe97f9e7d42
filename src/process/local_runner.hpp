// LocalRunner runs jobs as child processes of this machine; DryRunRunner only shows
// the commands it would run.
#pragma once

#include "process_set.hpp"
#include "runner.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fanout {

class LocalRunner : public Runner {
public:
    // capture: read jobs' output through pipes (else they write to ours directly).
    explicit LocalRunner(bool capture);

    // Descriptors every job inherits (a jobserver pool's pair); close-on-exec in fanout,
    // so that no other child (ssh, a shell we ask) holds them.
    void set_inherited_fds(std::vector<int> fds) { m_inherited = std::move(fds); }
    // Each job gets SIGKILL if we die (the --slurm worker: fanout runs the jobs of a worker
    // that died again elsewhere, so they must not go on here).
    void kill_jobs_when_we_die() { m_die_with_us = true; }
    // Each job also gets `name`, set to its slot less one (xargs' --process-slot-var),
    // in place of any variable of that name in our environment.
    void set_slot_variable(const std::string& name);

    StartResult start(std::uint64_t seq, const Command& command, std::size_t slot) override;
    void wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout) override
    {
        m_processes.wait(events, also, timeout);
    }
    void feed(std::uint64_t seq, std::shared_ptr<const std::string> data, bool last) override
    {
        m_processes.feed(seq, std::move(data), last);
    }
    void terminate(std::uint64_t seq, const TermSeq& termseq) override
    {
        m_processes.terminate(seq, termseq);
    }
    void stop(int first, const TermSeq& termseq) override { m_processes.stop(first, termseq); }
    void kill_all() override { m_processes.kill_all(); }
    void signal_all(int signal) override { m_processes.signal_all(signal); }
    void suspend() override
    {
        m_processes.signal_all(SIGTSTP);
        stop_self();
    }
    [[nodiscard]] bool terminating() const override { return m_processes.terminating(); }
    void read_output(bool on) { m_processes.read_output(on); }

private:
    const std::string& resolve(const std::string& name);

    ProcessSet m_processes;
    bool m_capture;
    std::vector<const char*> m_base_env; // our environment less the job variables
    std::vector<const char*> m_envp;
    std::vector<int> m_inherited;
    bool m_die_with_us = false;
    std::string m_slot_variable;                          // "NAME=", or empty
    std::unordered_map<std::string, std::string> m_paths; // PATH lookups, done once per name
};

class DryRunRunner : public Runner {
public:
    StartResult start(std::uint64_t seq, const Command& command, std::size_t slot) override;
    void wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout) override;
    void terminate(std::uint64_t, const TermSeq&) override {}
    void stop(int, const TermSeq&) override {}
    void kill_all() override {}
    void signal_all(int) override {}

private:
    std::vector<std::pair<std::uint64_t, std::string>> m_shown;
};

// The bytes a job's environment takes in the kernel's argument space, with a slot
// variable of that name (none if empty).
std::size_t job_environment_size(std::string_view slot_variable = {});

} // namespace fanout
