// Remote commands: the ssh command lines that run a job on another host, with its
// variables, directory, file transfers and a watcher that ends it when ssh goes.
#pragma once

#include "command_template.hpp"
#include "ssh_login.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fanout {

// What applies to every remote job.
struct RemoteSetup {
    std::vector<std::string> ssh{"ssh"};                  // --ssh: program and options
    std::vector<std::pair<std::string, std::string>> env; // --env NAME: our values
    std::string workdir;                                  // --workdir; "" is the home dir
    bool cleanup = false;                                 // --cleanup
};

// The ssh words that reach `login` through the connection at `control_path`, up to and
// including the destination.
std::vector<std::string> ssh_words(const RemoteSetup& setup, const SshLogin& login,
                                   const std::string& control_path);

// The job's directory on the remote host: --workdir, with "..." made unique per job.
std::string remote_workdir(const RemoteSetup& setup, std::uint64_t seq);

// What the remote login shell runs for a job: its variables, its directory, then the
// command under a watcher that kills the job's process group when ssh's stdin closes
// (ssh killed, connection lost), so no job outlives its ssh.
std::string remote_job(const Command& command, const RemoteSetup& setup, const std::string& workdir,
                       std::uint64_t seq, std::size_t slot);

// The local command for a remote job: ssh alone, or with --transferfile, --return and
// --cleanup, a /bin/sh script that sends the files, runs the job, fetches the results
// and removes both remotely; its exit status is the job's.
Command remote_command(const Command& command, const RemoteSetup& setup, const SshLogin& login,
                       const std::string& control_path, std::uint64_t seq, std::size_t slot);

} // namespace fanout
