// fanout's entry point: parse the command line, wire the parts together, run.
#include "arg_limits.hpp"
#include "batcher.hpp"
#include "cpu_count.hpp"
#include "error.hpp"
#include "exit_codes.hpp"
#include "input.hpp"
#include "job_command.hpp"
#include "job_count.hpp"
#include "local_runner.hpp"
#include "options.hpp"
#include "output.hpp"
#include "scheduler.hpp"
#include "signals.hpp"

#include <csignal>
#include <iostream>
#include <memory>

namespace fanout {
namespace {

std::size_t job_slots(const Options& options)
{
    std::size_t cpus = usable_cpu_count();
    return options.jobs_spec ? parse_job_count(*options.jobs_spec, cpus, unlimited_job_count()) : cpus;
}

BatchRules batch_rules(const Options& options)
{
    if (options.command.empty() && (options.max_args > 0 || options.exact_args || options.context_replace)) {
        throw Error("-n, -N and -X need a command (each input record is a command without one)");
    }
    if (options.exact_args) {
        return BatchRules{options.max_args == 0 ? 1 : options.max_args, options.max_args == 0};
    }
    if (options.max_args > 0) {
        return BatchRules{options.max_args, false};
    }
    return BatchRules{options.context_replace ? 0U : 1U, false};
}

std::unique_ptr<Runner> make_runner(const Options& options, const Output& output)
{
    if (options.dry_run) {
        return std::make_unique<DryRunRunner>();
    }
    return std::make_unique<LocalRunner>(output.needs_capture());
}

int run(int argc, const char* const* argv)
{
    ParseResult parsed = parse_command_line(argc, argv);
    if (!parsed.options) {
        return parsed.exit_code;
    }
    const Options& options = *parsed.options;
    std::size_t slots = job_slots(options);
    ArgLimits limits = system_arg_limits(job_environment_size(), options.max_chars);
    JobCommand commands(options, limits);
    BatchRules rules = batch_rules(options);
    Input input(options);
    Batcher batcher(input, commands.command_template(), rules, limits);
    Output output(options.output_mode);
    output.set_tagged(options.tag || options.tagstring);
    std::unique_ptr<Runner> runner = make_runner(options, output);

    Scheduler scheduler(batcher, commands, *runner, output, slots, options.verbose);
    RunResult result = scheduler.run();
    if (result.signal != 0) {
        die_by_signal(result.signal);
    }
    return exit_code_for_failures(result.failed);
}

} // namespace
} // namespace fanout

int main(int argc, char** argv)
{
    try {
        return fanout::run(argc, argv);
    } catch (const fanout::BrokenPipe&) {
        fanout::die_by_signal(SIGPIPE); // our reader left: stop as `yes | head` does
    } catch (const std::exception& e) {
        std::cerr << "fanout: error: " << e.what() << "\n";
        return fanout::k_exit_error;
    }
}
