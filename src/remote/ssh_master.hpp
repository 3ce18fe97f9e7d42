// SshMasters: one multiplexed OpenSSH connection (ControlMaster) per remote host, in a
// private directory, so that a job does not pay for a handshake; closed at the end.
#pragma once

#include "ssh_login.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fanout {

class SshMasters {
public:
    using Warn = std::function<void(const std::string&)>;

    // Connects to every remote login in `logins` at once (local ones are skipped). A
    // host that cannot be reached is reported through `warn` and marked down. Throws
    // Interrupted when a signal that stops a run comes meanwhile.
    SshMasters(std::vector<std::string> ssh, const std::vector<SshLogin>& logins, const Warn& warn);
    SshMasters(const SshMasters&) = delete;
    SshMasters& operator=(const SshMasters&) = delete;
    // Closes every connection and removes the directory.
    ~SshMasters();

    [[nodiscard]] const std::string& control_path(std::size_t host) const
    {
        return m_hosts[host].control_path;
    }
    [[nodiscard]] bool up(std::size_t host) const { return m_hosts[host].up; }
    void mark_down(std::size_t host) { m_hosts[host].up = false; }

    // Whether the host's connection is still there (its socket accepts).
    [[nodiscard]] bool alive(std::size_t host) const;

    // The host's CPU count, asked over its connection; nothing when it cannot tell.
    // Throws Interrupted as the constructor does.
    [[nodiscard]] std::optional<std::size_t> cpu_count(std::size_t host) const;

private:
    static bool alive_at(const std::string& control_path);

    struct Host {
        SshLogin login;
        std::string control_path;
        std::string log; // the master's stderr
        bool up = false;
    };
    [[nodiscard]] std::vector<std::string> master_argv(const Host& host) const;
    void close_all();

    std::vector<std::string> m_ssh;
    std::string m_dir;
    std::vector<Host> m_hosts;
};

} // namespace fanout
