#include "semaphore_mode.hpp"

#include "command_template.hpp"
#include "cpu_count.hpp"
#include "error.hpp"
#include "exit_codes.hpp"
#include "held_command.hpp"
#include "output.hpp"
#include "semaphore.hpp"

#include <unistd.h>

#include <limits>
#include <string>
#include <vector>

namespace fanout {

namespace {

// Slot files are tried one by one while waiting: more than this is no longer a limit.
constexpr std::size_t k_max_slots = 4096;

// -j as GNU sem reads it: 1 (a mutex) unless given; 0 (unlimited) has no meaning.
std::size_t semaphore_slots(const Options& options)
{
    if (!options.jobs) {
        return 1;
    }
    constexpr std::size_t k_unlimited = std::numeric_limits<std::size_t>::max();
    std::size_t slots = options.jobs->slots(usable_cpu_count(), k_unlimited);
    if (slots == k_unlimited || slots > k_max_slots) {
        throw Error("-j/--jobs: a semaphore takes 1 to " + std::to_string(k_max_slots) + " slots");
    }
    return slots;
}

// GNU sem's default name: what `tty` says of our stdin.
std::string default_name()
{
    const char* tty = ::ttyname(STDIN_FILENO);
    return tty != nullptr ? tty : "not a tty";
}

// The command as GNU sem runs it: through the shell, with its replacement strings
// filled in as for a job without arguments ({} is nothing, {#} and {%} are 1).
std::vector<std::string> command_argv(const Options& options)
{
    TemplateSyntax syntax = options.command.syntax;
    syntax.force_shell = true;
    syntax.append_args = false;
    const std::vector<std::string> no_args;
    CommandTemplate command(options.command.command, syntax);
    if (command.has_perl()) { // no perl co-process is started for the one command
        throw Error("{= =} perl expressions cannot be used with --semaphore");
    }
    return command.expand(JobValues{no_args, 1, 1}).argv;
}

// What every job finds in its environment, as GNU sem sets it: the one job, slot 1.
void set_job_variables()
{
    for (const char* name : {"FANOUT_SEQ", "FANOUT_SLOT", "PARALLEL_SEQ", "PARALLEL_JOBSLOT"}) {
        check_os(::setenv(name, "1", 1), "setenv");
    }
}

} // namespace

int run_semaphore(const Options& options)
{
    const SemaphoreSettings& settings = *options.semaphore;
    using Mode = SemaphoreSettings::Mode;
    Output output(OutputMode::ungroup);
    std::vector<std::string> argv =
        settings.mode == Mode::wait ? std::vector<std::string>() : command_argv(options);
    if (!argv.empty() && ::access(argv[0].c_str(), X_OK) != 0) {
        throw Error(os_error("cannot run " + argv[0])); // before any slot is taken
    }
    Semaphore semaphore(settings.name.value_or(default_name()));
    if (settings.mode == Mode::wait) {
        std::optional<std::size_t> failures = semaphore.wait_idle(settings.timeout);
        if (!failures) {
            output.say("fanout: warning: Semaphore timed out. Exiting.");
            return 1;
        }
        return exit_code_for_failures(*failures);
    }
    std::size_t slots = semaphore_slots(options);
    std::optional<SemaphoreHold> hold = semaphore.take_slot(slots, settings.timeout);
    if (!hold) {
        output.say("fanout: warning: Semaphore timed out. Exiting."); // GNU's words
        return 1;
    }
    set_job_variables();
    if (!hold->has_slot()) {
        output.say("fanout: warning: Semaphore timed out. Stealing the semaphore.");
    }
    if (settings.mode == Mode::foreground) {
        return run_held_command(argv);
    }
    if (!fork_holder()) {
        return k_exit_success; // the holder has the slot now
    }
    int status = run_held_command(argv);
    if (status != 0) {
        semaphore.record_failure();
    }
    return status;
}

} // namespace fanout
