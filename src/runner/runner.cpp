#include "runner.hpp"

#include "exit_codes.hpp"

#include <algorithm>

namespace fanout {

std::string not_started_message(std::uint64_t seq, const Command& command, const StartResult& result)
{
    using Kind = StartResult::Kind;
    const std::string& name = command.argv.empty() ? command.display : command.argv.front();
    std::string job = "fanout: job " + std::to_string(seq) + ": ";
    switch (result.kind) {
    case Kind::not_found:
        return "fanout: " + name + ": command not found";
    case Kind::cannot_execute:
        return "fanout: " + name + ": " + result.reason;
    case Kind::bad_workdir:
        return job + (command.make_cwd ? "--workdir '" : "cwd '") + command.cwd + "': " + result.reason;
    case Kind::no_remote_stdin:
        return job + "standard input cannot be sent to a remote host";
    case Kind::out_of_resources:
        // Our pipes, our fork: the program never got to run, so the failure is ours.
        return job + "cannot start " + name + ": " + shortage_reason(result.shortage);
    case Kind::started:
    case Kind::host_gone:
        break;
    }
    return job + "not started";
}

int not_started_exit_code(const StartResult& result)
{
    return result.kind == StartResult::Kind::not_found ? k_exit_command_not_found : k_exit_cannot_run;
}

std::optional<std::size_t> slot_owner(const std::vector<std::size_t>& first_slots, std::size_t slot)
{
    auto it = std::upper_bound(first_slots.begin(), first_slots.end(), slot);
    if (slot == 0 || it == first_slots.begin() || it == first_slots.end()) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(it - first_slots.begin()) - 1;
}

} // namespace fanout
