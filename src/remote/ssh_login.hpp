// SshLogin: one host to run jobs on, as -S/--sshlogin and --sshloginfile name it:
// [N/][user@]host[:port], or ":" for this machine.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace fanout {

struct SshLogin {
    std::string name;        // as given, without "N/": shown in reports
    std::string destination; // [user@]host, for ssh
    std::optional<unsigned> port;
    std::optional<std::size_t> slots; // N/: jobs at once on it; else asked of the host
    bool local = false;               // ":": run here, without ssh
};

// Parses one -S value: a comma-separated list. Throws Error naming `where` (the
// option, or file:line) on a malformed entry.
std::vector<SshLogin> parse_sshlogins(const std::string& text, const std::string& where);

// Reads an --sshloginfile: one login (or comma list) per line; blank lines and lines
// starting with '#' are skipped. Throws Error naming the file and line.
std::vector<SshLogin> read_sshloginfile(const std::string& path);

} // namespace fanout
