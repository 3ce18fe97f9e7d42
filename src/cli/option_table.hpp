// The option table: each option's names, help, value type, check and conflicts in one
// place, set up a group at a time, and only the groups a command line names.
#pragma once

#include "option_words.hpp"
#include "options.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace fanout {

// The options, plus what they say that only the rest of the command line (the command,
// the ':::' sources, --regexp, -I) gives a meaning: finish_options() reads it.
struct ParsedOptions {
    Options options;
    std::optional<std::size_t> max_args;   // -n
    std::optional<std::size_t> exact_args; // -N
    std::optional<std::size_t> max_lines;  // -L, -l: -N with -X's context, lines joined
    bool multiple = false;                 // -m: as many arguments as fit, spread (-X: with context)
    bool xargs = false;                    // --xargs: as many arguments as fit
    std::optional<std::string> recend;     // escapes, or a regex with --regexp
    std::optional<std::string> recstart;
    std::vector<std::string> trc;               // --trc FILE
    std::optional<std::string> empty_loginfile; // an --sshloginfile with no host
    std::vector<std::string> env_names;         // --env, for remote jobs
    std::optional<std::string> workdir;         // --workdir, as given
    std::optional<std::size_t> cpus_per_task;   // --cpus-per-task, as given
    bool keep_order = false;                    // -k, --line-buffer and -u make one output mode
    bool line_buffer = false;
    bool ungroup = false;
    std::optional<std::string> header; // --header, as given: --pipe or named columns
    std::optional<Trim> trim;          // --trim; default: as --colsep says
    bool csv = false;                  // --csv
    bool transfer = false;             // --transfer: send {}, or whatever -I makes it
    bool version = false;
    // Any semaphore option makes a semaphore run, as in GNU parallel: finish_options().
    bool semaphore = false;
    SemaphoreSettings semaphore_settings;
    // The remote options that mean nothing without a host (-S, --sshloginfile). Looked
    // up by name instead, each would cost a comparison with every option's names.
    std::vector<const CLI::Option*> host_options;
};

// The help group of the semaphore options: with --semaphore, only these and a few
// others (-j, --shell) mean something.
inline constexpr const char* k_semaphore_group = "Semaphore (GNU sem)";

// Adds to `app` the options of every group `words` names (nullptr: all of them),
// storing into `parsed`. A value that is not of its option's type ends app.parse() with
// an Error naming the option.
void set_up_options(CLI::App& app, ParsedOptions& parsed, const OptionWords* words);

} // namespace fanout
