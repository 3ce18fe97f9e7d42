// Options: everything the command line says, parsed and validated, nothing run yet.
#pragma once

#include "input.hpp"
#include "job_command.hpp"
#include "output.hpp"
#include "regex.hpp"
#include "ssh_login.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fanout {

struct Options {
    // What to run: the command words (empty means each record is a command).
    std::vector<std::string> command;
    InputSettings input; // sources, --link, records and columns

    // Templates.
    std::string replace_str = "{}";
    bool quote_command = false;
    std::string shell = "/bin/sh";

    // Batching: max_args 0 means one record per job.
    std::size_t max_args = 0;
    bool exact_args = false;   // -N: positional, exactly max_args per job
    bool context_replace = false; // -X
    std::optional<std::size_t> max_chars; // -s

    // Jobs.
    std::optional<std::string> jobs_spec; // none: the usable CPUs
    std::optional<bool> jobserver;        // none: use make's when there is one and no -j

    // Output.
    OutputMode output_mode = OutputMode::group;
    bool tag = false;
    std::optional<std::string> tagstring;

    bool dry_run = false;
    bool verbose = false;

    // Job control (validated when the run is set up).
    std::optional<std::string> timeout;
    std::string termseq = "TERM,200,TERM,100,TERM,50,KILL,25";
    std::size_t retries = 0;
    std::optional<std::string> delay;
    std::string halt = "never";

    // Reports.
    std::optional<std::string> joblog; // "+FILE" appends
    bool resume = false;
    bool resume_failed = false;
    std::optional<std::string> results; // "-" is stdout
    bool results_output = false;
    std::optional<std::string> junit;
    enum class Progress { none, counts, bar, eta } progress = Progress::none;
    enum class Color { auto_, always, never } color = Color::auto_;

    // --pipe: the input is cut into blocks, each written to one job's stdin.
    bool pipe = false;
    std::size_t block_size = 1024 * 1024;
    std::string recend = "\n";
    std::string recstart;
    bool regexp = false; // recend and recstart are regular expressions
    std::size_t header_records = 0;
    bool round_robin = false;

    // --tasks: a JSON task list instead of input records and a command.
    std::optional<std::string> tasks;

    // Remote hosts (-S, --sshloginfile); none: every job runs here.
    std::vector<SshLogin> sshlogins;
    std::vector<std::string> ssh{"ssh"}; // --ssh, split into words
    std::vector<std::pair<std::string, std::string>> env; // --env NAME, with our value
    std::string workdir;
    std::vector<std::string> transfer_files; // templates
    std::vector<std::string> return_files;   // templates
    bool cleanup = false;

    // Start no job while the load average is above this, or less memory is free.
    std::optional<std::string> load;
    std::optional<std::string> memfree;
};

// What parse_command_line() decided: run with these options, or exit at once
// (after --help or --version printed their text) with exit_code.
struct ParseResult {
    std::optional<Options> options;
    int exit_code = 0;
};

// Parses argv as GNU parallel's grammar: options, then the command and its initial
// arguments, then ':::'/'::::' groups. Throws Error on bad usage.
ParseResult parse_command_line(int argc, const char* const* argv);

// For tests: "group...: NAME" for each option name missing from its group's list of
// names (which decides when the group is set up); empty when the lists are right.
std::vector<std::string> unlisted_option_names();

// Turns C escapes (\n \r \t \0 \\ \xHH) in a --recend/--recstart string into bytes.
// Throws Error naming `option` on an unknown or incomplete escape.
std::string parse_escapes(const std::string& text, const char* option);

// Turns "\n", "\t", "\0", "\\" and one plain character into the delimiter byte.
// Throws Error when spec is anything else.
char parse_delimiter(const std::string& spec);

// What the command line says about the command a job runs and how it is tagged.
CommandSettings command_settings(const Options& options);

} // namespace fanout
