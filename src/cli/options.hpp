// Options: everything the command line says, parsed into the settings of each layer and
// validated, nothing run yet.
#pragma once

#include "batcher.hpp"
#include "input.hpp"
#include "job_command.hpp"
#include "job_count.hpp"
#include "output.hpp"
#include "pipe_blocks.hpp"
#include "remote_command.hpp"
#include "scheduler.hpp"
#include "semaphore.hpp"
#include "ssh_login.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace fanout {

// The reports asked for; the files are opened when the run is set up.
struct ReportSettings {
    std::optional<std::string> joblog; // "+FILE" appends
    bool resume = false;
    bool resume_failed = false;
    // --results: fanout's JSON Lines (NAME.jsonl, "-"), GNU parallel's CSV, TSV and JSON
    // (NAME.csv, .tsv, .json; "-.csv"... on stdout), or GNU parallel's tree (any other NAME).
    enum class ResultsFormat { json_lines, csv, tsv, gnu_json, tree };
    struct Results {
        std::string path; // "-": stdout
        ResultsFormat format = ResultsFormat::tree;
    };
    std::optional<Results> results;
    bool results_output = false;
    bool files = false; // --files: each job's stdout in a temp file, its name printed
    std::optional<std::string> junit;
    // In order of precedence: --bar beats --eta beats --progress.
    enum class Progress { none, counts, eta, bar } progress = Progress::none;
};

struct Options {
    InputSettings input;                  // sources, --link, records and columns
    CommandSettings command;              // the command words (empty: each record is a command), tags
    BatchRules batch;                     // -n, -N, -X: records per job
    std::optional<std::size_t> max_chars; // -s

    // The run: what main() does not know until it has a jobserver, hosts and a joblog
    // (max_jobs, jobserver, resume_from, expected_jobs) is left at its default here.
    JobControl control;
    std::optional<JobCount> jobs;                // none: the usable CPUs
    std::optional<std::string> process_slot_var; // --process-slot-var: this variable is the slot less one
    std::optional<bool> jobserver;               // none: use make's when there is one and no -j
    bool serve_jobserver = false; // the jobs share our slots through a jobserver (make's, else ours)
    bool dry_run = false;

    OutputMode output_mode = OutputMode::group;
    enum class Color { auto_, always, never } color = Color::auto_;
    ReportSettings reports;

    // --pipe: the input is cut into blocks, each written to one job's stdin.
    bool pipe = false;
    BlockRules blocks;

    // --tasks: a JSON task list instead of input records and a command.
    std::optional<std::string> tasks;

    // Remote hosts (-S, --sshloginfile); none: every job runs here.
    std::vector<SshLogin> sshlogins;
    RemoteSetup remote;

    // --slurm: the jobs run on the nodes of the Slurm allocation fanout is in, each
    // counted for cpus_per_task of a node's CPUs.
    bool slurm = false;
    std::size_t cpus_per_task = 1;
    bool slurm_worker = false; // --slurm-worker: be the worker --slurm starts on a node

    std::optional<std::string> tmpdir; // --tmpdir: temp files there, and TMPDIR for the jobs

    // --semaphore (or --fg, --bg, --wait, --id, --st): run the command once, under a
    // named semaphore, instead of jobs from input records.
    std::optional<SemaphoreSettings> semaphore;
};

// What parse_command_line() decided: run with these options, or exit at once
// (after --help or --version printed their text) with exit_code.
struct ParseResult {
    std::optional<Options> options;
    int exit_code = 0;
};

// Parses argv as GNU parallel's grammar: options, then the command and its initial
// arguments, then ':::'/'::::' groups. Throws Error on bad usage, naming the option.
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

} // namespace fanout
