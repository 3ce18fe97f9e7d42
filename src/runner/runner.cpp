#include "runner.hpp"

#include "exit_codes.hpp"

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

} // namespace fanout
