#include "options.hpp"

#include "error.hpp"
#include "exit_codes.hpp"
#include "option_table.hpp"
#include "option_words.hpp"
#include "printf_escapes.hpp"
#include "regex.hpp"
#include "unsupported.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>

namespace fanout {

namespace {

// Splits what follows the options into the command and the ':::'/'::::' sources. As in
// GNU parallel, ':::+' and '::::+' pair a source with the one before it value by value
// (each file after '::::+').
void split_command_and_sources(Options& options, std::vector<std::string> rest)
{
    if (!rest.empty() && rest.front() == "--") {
        rest.erase(rest.begin());
    } else if (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-') {
        throw Error(unsupported_option_message(rest.front()));
    }
    std::vector<std::string>& words = options.command.command;
    std::vector<SourceSpec>& sources = options.input.sources;
    const bool after_arg_files = !sources.empty();
    enum class State { command, args, files } state = State::command;
    bool linked = false;
    for (auto& word : rest) {
        bool is_separator = word == ":::" || word == ":::+" || word == "::::" || word == "::::+";
        if (is_separator) {
            linked = word.back() == '+';
            if (linked && after_arg_files) {
                // GNU parallel pairs the wrong sources then: its -a files have no place in its list of links.
                throw Error("'" + word + "' cannot be used with -a (name the files after '::::' instead)");
            }
            state = word.starts_with("::::") ? State::files : State::args;
            if (state == State::args) {
                sources.push_back({SourceSpec::Kind::args, {}, {}, linked && !sources.empty()});
            }
        } else if (state == State::command) {
            words.push_back(std::move(word));
        } else if (state == State::args) {
            sources.back().args.push_back(std::move(word));
        } else {
            sources.push_back({SourceSpec::Kind::file, {}, std::move(word), linked && !sources.empty()});
        }
    }
    if (state == State::files && (sources.empty() || sources.back().kind != SourceSpec::Kind::file)) {
        throw Error("'::::' needs at least one file name after it");
    }
}

// -n, -N and -X, which shape command lines from records: how many records per job.
void set_batching(ParsedOptions& parsed)
{
    Options& options = parsed.options;
    if (parsed.max_lines) {
        if (parsed.max_args || parsed.exact_args || options.command.syntax.context_replace ||
            parsed.multiple || parsed.xargs) {
            throw Error("-L/-l/--max-lines cannot be used with -n, -N, -X, -m or --xargs");
        }
        parsed.exact_args = parsed.max_lines; // as GNU parallel: -N N, the context repeated, not spread
        options.command.syntax.context_replace = true;
        options.input.join_continued = true;
    }
    bool context_replace = options.command.syntax.context_replace && !parsed.max_lines;
    bool as_many = context_replace || parsed.multiple || parsed.xargs;
    if (options.command.command.empty() && (parsed.max_args || parsed.exact_args || as_many)) {
        throw Error(
            "-n, -N, -L, -X, -m and --xargs need a command (each input record is a command without one)");
    }
    if (parsed.max_args == 0) {
        parsed.exact_args = 0; // GNU parallel's -n 0: as -N 0
    }
    if (parsed.exact_args) {
        options.batch = BatchRules{*parsed.exact_args == 0 ? 1 : *parsed.exact_args, *parsed.exact_args == 0};
    } else if (parsed.max_args) {
        options.batch = BatchRules{*parsed.max_args, false};
    } else {
        options.batch = BatchRules{as_many ? 0U : 1U, false};
    }
    // As GNU parallel: -X repeats the context whatever else is given, -X and -m spread.
    options.batch.spread = context_replace || parsed.multiple;
    // --pipe jobs get their input on stdin, -N 0 jobs none: nothing to append.
    options.command.syntax.append_args = !options.pipe && !options.batch.drop_args;
}

void set_pipe(ParsedOptions& parsed)
{
    Options& options = parsed.options;
    if (!options.pipe) {
        return;
    }
    if (options.command.command.empty()) {
        throw Error("--pipe needs a command to write the blocks to");
    }
    const std::vector<SourceSpec>& sources = options.input.sources;
    if (sources.size() > 1 || (sources.size() == 1 && sources[0].kind != SourceSpec::Kind::file)) {
        throw Error("--pipe reads one stream: stdin, or one file given with -a or '::::'");
    }
    if (options.input.skip_blank) {
        throw Error("-r: --pipe does not skip blank lines of its blocks (GNU parallel does)");
    }
    if (!options.input.eof.empty()) {
        throw Error(
            "-E/--eof: --pipe does not stop at an end-of-file string (GNU parallel ignores it there)");
    }
    if (parsed.max_lines) {
        throw Error(
            "-L/-l/--max-lines: with --pipe, use -N RECORDS (GNU's --pipe -L is a record of N lines)");
    }
    if (options.command.syntax.context_replace || parsed.max_args || parsed.multiple || parsed.xargs) {
        throw Error(
            "--pipe: use -N RECORDS for a number of records per block (-n, -X, -m and --xargs do not apply)");
    }
    if (parsed.exact_args && *parsed.exact_args == 0) {
        throw Error("-N: --pipe needs at least 1 record per block");
    }
    if (options.control.halt.percent && options.control.halt.when != HaltPolicy::When::never) {
        throw Error("--halt N%: a share of all jobs, which --pipe cannot know before it starts them");
    }
    BlockRules& blocks = options.blocks;
    blocks.records = parsed.exact_args.value_or(0);
    for (const auto& [text, name] :
         {std::pair{&parsed.recend, "--recend"}, {&parsed.recstart, "--recstart"}}) {
        if (blocks.regexp && *text) {
            Regex check(**text, name); // a pattern that does not compile is a usage error now
        }
    }
    if (parsed.recend) {
        blocks.recend = blocks.regexp ? *parsed.recend : parse_escapes(*parsed.recend, "--recend");
    }
    if (parsed.recstart) {
        blocks.recstart = blocks.regexp ? *parsed.recstart : parse_escapes(*parsed.recstart, "--recstart");
        if (!parsed.recend) {
            blocks.recend.clear(); // as GNU parallel: a record may end anywhere before recstart
        }
    }
}

// --workdir .: our directory, as a path below the home directory where it is one.
std::string path_below_home()
{
    std::string cwd(4096, '\0');
    if (::getcwd(cwd.data(), cwd.size()) == nullptr) {
        throw Error(os_error("--workdir .: cannot tell the current directory"));
    }
    cwd.resize(cwd.find('\0'));
    const char* home = std::getenv("HOME");
    std::string prefix = home && *home ? std::string(home) + "/" : std::string();
    if (!prefix.empty() && cwd + "/" == prefix) {
        return "";
    }
    return !prefix.empty() && cwd.starts_with(prefix) ? cwd.substr(prefix.size()) : cwd;
}

// --env NAME for a remote job: the name with our value.
std::pair<std::string, std::string> our_variable(const std::string& name)
{
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
        throw Error("--env: " + name + " is not set");
    }
    return {name, value};
}

// --workdir: the directory each job starts in, made first when missing: a template
// filled in per job, relative to ours here and to the home directory on a host. "." is
// ours here (nothing to do); "..." (a fresh directory per job) is made on hosts only.
void set_workdir(ParsedOptions& parsed)
{
    Options& options = parsed.options;
    if (!parsed.workdir) {
        return;
    }
    const std::string& dir = *parsed.workdir;
    bool here = options.sshlogins.empty() || std::any_of(options.sshlogins.begin(), options.sshlogins.end(),
                                                         [](const SshLogin& login) { return login.local; });
    if (dir == "..." && here) {
        throw Error("--workdir ...: a fresh directory per job is only made on remote hosts (-S, not ':')");
    }
    if (dir.empty()) {
        throw Error("--workdir: empty directory name");
    }
    if (!options.sshlogins.empty()) {
        options.remote.workdir = dir == "." ? path_below_home() : dir;
    }
    if (dir != "." && dir != "...") {
        options.command.workdir = dir;
    }
}

void set_remote(ParsedOptions& parsed)
{
    Options& options = parsed.options;
    if (options.sshlogins.empty()) {
        auto given = [](const CLI::Option* option) { return option->count() > 0; };
        if (std::any_of(parsed.host_options.begin(), parsed.host_options.end(), given)) {
            throw Error("--ssh, --transferfile, --transfer, --return, --cleanup and --trc need "
                        "-S/--sshlogin or --sshloginfile");
        }
        if (parsed.empty_loginfile) {
            throw Error("--sshloginfile: no host in " + *parsed.empty_loginfile);
        }
        // Local jobs inherit our whole environment: --env has nothing to add.
        set_workdir(parsed);
        return;
    }
    std::transform(parsed.env_names.begin(), parsed.env_names.end(), std::back_inserter(options.remote.env),
                   our_variable);
    set_workdir(parsed);
    if (options.pipe) {
        throw Error("--pipe cannot send blocks to remote hosts (-S) yet");
    }
    CommandSettings& command = options.command;
    if (parsed.transfer || !parsed.trc.empty()) {
        command.transfer_files.emplace_back(command.syntax.names.all);
    }
    command.return_files.insert(command.return_files.end(), parsed.trc.begin(), parsed.trc.end());
    options.remote.cleanup = options.remote.cleanup || !parsed.trc.empty();
}

// --slurm: what cannot reach the nodes of an allocation is refused here.
void set_slurm(ParsedOptions& parsed)
{
    Options& options = parsed.options;
    if (parsed.cpus_per_task) {
        if (!options.slurm) {
            throw Error("--cpus-per-task needs --slurm (here, -j says how many jobs run at once)");
        }
        options.cpus_per_task = *parsed.cpus_per_task;
    }
    if (!options.slurm) {
        return;
    }
    if (!options.sshlogins.empty()) {
        throw Error("--slurm and -S/--sshlogin: the jobs run either on ssh hosts or in a Slurm allocation");
    }
    if (options.pipe) {
        throw Error("--pipe cannot send blocks to the nodes of a Slurm allocation (--slurm) yet");
    }
    if (options.semaphore) {
        throw Error("--semaphore runs its command here: not with --slurm");
    }
    if (options.serve_jobserver) {
        throw Error("--serve-jobserver: jobs on other nodes cannot reach its pipe; not with --slurm");
    }
}

// --header with --pipe, as GNU parallel: the first N records (':' is one) go before every block.
void set_pipe_header(ParsedOptions& parsed, const std::string& value)
{
    bool digits = !value.empty() && value.size() < 10 && std::all_of(value.begin(), value.end(), ::isdigit);
    if (value != ":" && !digits) {
        throw Error("--header '" + value + "': with --pipe, give a number of records, or ':' for one");
    }
    parsed.options.blocks.header_records = value == ":" ? 1 : std::stoul(value);
}

// --header without --pipe, as GNU parallel: whatever the value (':', a REGEX, which only
// --pipe matches), the first record of each source names its columns, split at --colsep,
// which defaults to a TAB.
void set_named_columns(ParsedOptions& parsed, const std::string& value)
{
    InputSettings& input = parsed.options.input;
    if (parsed.options.tasks) {
        throw Error("--header: --tasks reads JSON tasks, not records");
    }
    if (value == "0") {
        throw Error("--header 0 (input files' names as column names) is not supported; use --header :");
    }
    if (!value.empty() && value != "1" && std::all_of(value.begin(), value.end(), ::isdigit)) {
        throw Error("--header " + value + ": only the first record names columns; use --header :");
    }
    if (value != ":") {
        Regex check(value, "--header"); // a usage error when it does not compile, as GNU's
    }
    input.header = true;
    if (!input.colsep && !input.csv) {
        input.colsep.emplace("\t", "--header");
    }
}

// --csv, --trim and --header: how records become columns.
void set_columns(ParsedOptions& parsed)
{
    InputSettings& input = parsed.options.input;
    // As GNU parallel: --colsep trims both ends by default, --csv's own separator does not.
    input.trim = parsed.trim.value_or(input.colsep ? Trim::both : Trim::none);
    if (parsed.csv) {
        if (parsed.options.pipe || parsed.options.tasks) {
            throw Error(parsed.options.pipe ? "--csv: --pipe passing whole CSV records is not supported"
                                            : "--csv: --tasks reads JSON tasks, not records");
        }
        // '\t' is a TAB here too, as the --colsep regex reads it.
        std::string separator = !input.colsep                      ? ","
                                : input.colsep->pattern() == "\\t" ? "\t"
                                                                   : input.colsep->pattern();
        if (separator.size() != 1) {
            throw Error("--csv: --colsep '" + separator + "' must be one character, the CSV separator");
        }
        input.csv = true;
        input.csv_separator = separator[0];
    }
    if (parsed.header) {
        if (parsed.options.pipe) {
            set_pipe_header(parsed, *parsed.header);
        } else {
            set_named_columns(parsed, *parsed.header);
        }
    }
}

OutputMode output_mode(const ParsedOptions& parsed)
{
    // CLI11 refused -u with any other mode, and --group with --line-buffer.
    const CommandSettings& command = parsed.options.command;
    if (parsed.ungroup && (command.tag || command.tagstring)) {
        throw Error(std::string(command.tagstring ? "--tagstring" : "--tag") +
                    " cannot be used with -u/--ungroup (GNU parallel then ignores it)");
    }
    return parsed.ungroup       ? OutputMode::ungroup
           : parsed.keep_order  ? OutputMode::keep_order
           : parsed.line_buffer ? OutputMode::line_buffer
                                : OutputMode::group;
}

// --semaphore runs its one command as given: no records, and a command unless --wait.
void set_semaphore(ParsedOptions& parsed)
{
    Options& options = parsed.options;
    if (!parsed.semaphore) {
        return;
    }
    bool waiting = parsed.semaphore_settings.mode == SemaphoreSettings::Mode::wait;
    if (!options.input.sources.empty()) {
        throw Error("--semaphore runs one command and reads no arguments: give no ':::' or '::::'");
    }
    if (waiting && !options.command.command.empty()) {
        throw Error("--wait runs no command: give none (GNU sem ignores it)");
    }
    if (waiting && options.jobs) {
        throw Error("-j/--jobs: --wait waits for every slot of the semaphore; give no -j");
    }
    if (!waiting && options.command.command.empty()) {
        throw Error("--semaphore needs a command to run");
    }
    options.semaphore = parsed.semaphore_settings;
}

// --results and --files: the combinations that would mean something else than it says.
void check_results(ParsedOptions& parsed)
{
    ReportSettings& reports = parsed.options.reports;
    using Format = ReportSettings::ResultsFormat;
    bool json_lines = reports.results && reports.results->format == Format::json_lines;
    bool tree = reports.results && reports.results->format == Format::tree;
    if (reports.results_output && !json_lines) {
        throw Error("--results-output: only fanout's JSON Lines (--results FILE.jsonl or -) take it; "
                    "GNU parallel's formats always hold the output");
    }
    if (reports.files && reports.results && !tree) {
        throw Error("--files cannot be used with --results " + reports.results->path +
                    " (only with a --results directory, whose stdout files it names)");
    }
    if ((reports.files || tree) && parsed.options.dry_run) {
        // GNU parallel removes each stdout file then: a tree without them, or names of files
        // that are gone.
        throw Error(std::string(tree ? "--results " + reports.results->path : "--files") +
                    " cannot be used with --dry-run (GNU parallel removes the stdout files then)");
    }
    if (reports.files && parsed.ungroup) {
        throw Error("--files cannot be used with -u/--ungroup (GNU parallel then ignores --files)");
    }
    const BatchRules& batch = parsed.options.batch;
    bool several_records = (batch.max_records != 1 || batch.spread) && !batch.drop_args;
    if (tree && several_records && parsed.options.input.colsep) {
        throw Error("--results DIR cannot be used with --colsep and -n, -L, -X or -m yet (each record's "
                    "columns would not be told apart)");
    }
    // GNU parallel prints the names of a tree's stdout files with --line-buffer, as
    // with --files.
    reports.files = reports.files || (tree && parsed.line_buffer);
    if (parsed.options.pipe && (reports.files || tree)) {
        throw Error(std::string(tree ? "--results DIR" : "--files") + " cannot be used with --pipe yet");
    }
}

// What the options mean given the command and the ':::' sources after them.
Options finish_options(ParsedOptions parsed, std::vector<std::string> rest)
{
    Options& options = parsed.options;
    split_command_and_sources(options, std::move(rest));
    if (options.tasks && (!options.command.command.empty() || !options.input.sources.empty())) {
        throw Error("--tasks: each task names its command; give no command, ':::' or input file");
    }
    if (options.tasks && !options.input.eof.empty()) {
        throw Error("-E/--eof: --tasks reads JSON tasks, not records");
    }
    if (options.tasks && parsed.max_lines) {
        throw Error("-L/-l/--max-lines: --tasks reads JSON tasks, not records");
    }
    set_columns(parsed);
    set_semaphore(parsed);
    set_pipe(parsed);
    set_batching(parsed);
    check_results(parsed);
    set_remote(parsed);
    set_slurm(parsed);
    if (options.process_slot_var && (!options.sshlogins.empty() || options.slurm)) {
        throw Error("--process-slot-var: only jobs run here get it, not on -S hosts or with --slurm (yet)");
    }
    options.output_mode = output_mode(parsed);
    // --lb: a tag's perl expressions run for each line, with -k too (keep_order above).
    options.command.tag_per_line = parsed.line_buffer;
    if (options.control.termseq.empty()) {
        options.control.termseq = parse_termseq(k_default_termseq);
    }
    return std::move(parsed.options);
}

// An option as its help names it: "-j/--jobs", "--color".
std::string option_label(const CLI::App& app, const std::string& name)
{
    const CLI::Option* option = app.get_option_no_throw(name);
    if (option == nullptr) {
        return name;
    }
    const auto& shorts = option->get_snames();
    const auto& longs = option->get_lnames();
    std::string label = shorts.empty() ? "" : "-" + shorts.front();
    if (!longs.empty()) {
        label += (label.empty() ? "--" : "/--") + longs.front();
    }
    return label;
}

// What a value of this type may be: the type's name, or its choices.
std::string expected_value(const std::string& type)
{
    return type == "WHEN" ? "auto, always or never" : type;
}

// CLI11's messages for a refused command line, in fanout's words: the option as its
// help names it, and what it expects. CLI11 gives the parts only inside its message.
std::string parse_error_message(const CLI::App& app, const CLI::ParseError& error)
{
    std::string message = error.what();
    std::string name = message.substr(0, message.find_first_of(": "));
    const CLI::Option* option = app.get_option_no_throw(name);
    auto after = [&message](const std::string& word) {
        std::size_t at = message.find(word);
        return at == std::string::npos ? std::string() : message.substr(at + word.size());
    };
    std::string flag = message.substr(0, message.find(" was given a disallowed flag override"));
    if (flag.size() < message.size()) {
        return option_label(app, (flag.size() == 1 ? "-" : "--") + flag) + ": takes no value";
    }
    if (message.ends_with(" missing") && option != nullptr) {
        return option_label(app, name) + ": no value given (expected " +
               expected_value(option->get_type_name()) + ")";
    }
    if (message.find(": At Most ") != std::string::npos) {
        return option_label(app, name) + ": given " + after("received ") + " times (it takes one value)";
    }
    if (dynamic_cast<const CLI::ExcludesError*>(&error) != nullptr) {
        return option_label(app, name) + " cannot be used with " + option_label(app, after(" excludes "));
    }
    if (dynamic_cast<const CLI::RequiresError*>(&error) != nullptr) {
        return option_label(app, name) + " requires " + option_label(app, after(" requires "));
    }
    return message;
}

// Whether `word` is one of xargs's options whose value must be attached (-e[STR],
// --eof[=STR], -i[STR], --replace[=STR], -l[N], --max-lines[=N]) given alone; then its
// long name.
std::optional<std::string> attached_form(std::string_view word)
{
    if (word == "-e" || word == "--eof") {
        return "--eof";
    }
    if (word == "-i" || word == "--replace") {
        return "--replace";
    }
    if (word == "-l" || word == "--max-lines") {
        return "--max-lines";
    }
    return std::nullopt;
}

// "--name=" with nothing after the '=': CLI11 would take the next word (the command) as
// the value. An optional value (--eof=, --replace=, --max-lines=) is then empty, as xargs
// and GNU read it; GNU refuses the others ("requires an argument"), and so do we.
std::string empty_value(const CLI::App& app, const std::string& name)
{
    if (!attached_form(name)) {
        const CLI::Option* option = app.get_option_no_throw(name);
        throw Error(option_label(app, name) + ": no value given after '=' (expected " +
                    expected_value(option->get_type_name()) + ")");
    }
    return name;
}

// Our words, with a bare -e, --eof, -i, --replace, -l or --max-lines given an empty value ("--eof" ""),
// as xargs reads them: CLI11 would take the next word as the value (GNU parallel does
// too: `parallel -i echo x{}` makes "echo" the replacement string). "--name=" becomes
// "--name" "" for -e, -i and -l, and is refused for the others. Stops at the command.
std::vector<std::string> attach_optional_values(const CLI::App& app, int argc, const char* const* argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    auto takes_value = [&app](const std::string& name) {
        const CLI::Option* option = app.get_option_no_throw(name);
        return option != nullptr && option->get_expected_max() > 0;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string word = args[i];
        if (word == "--" || word.size() < 2 || word.front() != '-') {
            break;
        }
        if (auto form = attached_form(word)) {
            args[i] = *form;
            args.insert(args.begin() + static_cast<std::ptrdiff_t>(++i), "");
        } else if (word.starts_with("--") && word.ends_with('=') &&
                   takes_value(word.substr(0, word.size() - 1))) {
            args[i] = empty_value(app, word.substr(0, word.size() - 1));
            args.insert(args.begin() + static_cast<std::ptrdiff_t>(++i), "");
        } else if (word.starts_with("--")) {
            i += word.find('=') == std::string::npos && takes_value(word) ? 1 : 0;
        } else {
            for (std::size_t k = 1; k < word.size(); ++k) {
                std::string name = {'-', word[k]};
                if (auto bare = attached_form(name); bare && k + 1 == word.size()) {
                    args[i] = word.substr(0, k); // -ki: -k, then -i alone
                    args.insert(args.begin() + static_cast<std::ptrdiff_t>(++i), *bare);
                    args.insert(args.begin() + static_cast<std::ptrdiff_t>(++i), "");
                    break;
                }
                if (takes_value(name)) {
                    i += k + 1 == word.size() ? 1 : 0;
                    break;
                }
            }
        }
    }
    return args;
}

// With --semaphore, the options that shape jobs from records, their output or reports
// would be silently ignored: each is refused by name. -j, --shell and the like stay.
void refuse_outside_semaphore(const CLI::App& app)
{
    for (const CLI::Option* option : app.get_options()) {
        bool kept = option->get_group() == k_semaphore_group || option->check_name("-j") ||
                    option->check_name("--shell") || option->check_name("--will-cite") ||
                    option->check_name("--tmpdir");
        if (option->count() > 0 && !kept) {
            const auto& longs = option->get_lnames();
            std::string name = longs.empty() ? "-" + option->get_snames().front() : "--" + longs.front();
            throw Error(option_label(app, name) +
                        " cannot be used with --semaphore (it runs one command as given; only -j and "
                        "--shell apply)");
        }
    }
}

} // namespace

std::string parse_escapes(const std::string& text, const char* option)
{
    std::string bytes;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            bytes += text[i];
            continue;
        }
        if (++i == text.size()) {
            throw Error(std::string(option) + ": '" + text + "' ends with a lone '\\'");
        }
        char next = text[i];
        switch (next) {
        case 'n':
            bytes += '\n';
            break;
        case 'r':
            bytes += '\r';
            break;
        case 't':
            bytes += '\t';
            break;
        case '0':
            bytes += '\0';
            break;
        case '\\':
            bytes += '\\';
            break;
        case 'x': {
            unsigned value = 0;
            auto [ptr, ec] = i + 3 <= text.size()
                                 ? std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16)
                                 : std::from_chars_result{nullptr, std::errc::invalid_argument};
            if (ec != std::errc() || ptr != text.data() + i + 3) {
                throw Error(std::string(option) + ": '\\x' needs two hex digits in '" + text + "'");
            }
            bytes += static_cast<char>(value);
            i += 2;
            break;
        }
        default:
            throw Error(std::string(option) + ": unknown escape '\\" + std::string(1, next) + "' in '" +
                        text + "' (use \\n \\r \\t \\0 \\\\ or \\xHH)");
        }
    }
    return bytes;
}

namespace {

// An octal escape that xargs and GNU parallel both read as one byte: one digit (\1) or
// three (\101). Two digits (\12) are a newline to xargs but \1 and "2" to GNU.
bool shared_octal_escape(std::string_view spec)
{
    std::string_view digits = spec.substr(1);
    return spec.starts_with('\\') && (digits.size() == 1 || digits.size() == 3) &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; });
}

} // namespace

char parse_delimiter(const std::string& spec)
{
    if (spec.size() == 1) {
        return spec[0];
    }
    if (spec == "\\n") {
        return '\n';
    }
    if (spec == "\\t") {
        return '\t';
    }
    if (spec == "\\r") {
        return '\r';
    }
    if (spec == "\\\\") {
        return '\\';
    }
    if (shared_octal_escape(spec)) {
        return unquote_printf(spec, "-d/--delimiter").front(); // refuses one above \377
    }
    throw Error("-d/--delimiter: '" + spec +
                "' is not one byte (use \\n, \\t, \\r, \\0, an octal \\NNN or one character)");
}

namespace {

// Throws for an option fanout does not take, when one came before the command: it is
// named before any other error, which may only follow from it (GNU's --pipe-part gives
// --block and -a their meaning there).
void refuse_unknown_option(const CLI::App& app)
{
    std::vector<std::string> rest = app.remaining();
    if (!rest.empty() && rest.front() != "--" && rest.front().size() > 1 && rest.front()[0] == '-') {
        throw Error(unsupported_option_message(rest.front()));
    }
}

} // namespace

ParseResult parse_command_line(int argc, const char* const* argv)
{
    CLI::App app;
    ParsedOptions parsed;
    OptionWords words = scan_option_words(argc, argv);
    set_up_options(app, parsed, &words);
    try {
        std::vector<std::string> args = attach_optional_values(app, argc, argv);
        std::reverse(args.begin(), args.end()); // CLI11 takes a vector last word first
        app.parse(args);
    } catch (const CLI::CallForHelp&) {
        CLI::App full;
        ParsedOptions unused;
        set_up_options(full, unused, nullptr);
        std::cout << full.help();
        return {std::nullopt, k_exit_success};
    } catch (const CLI::ParseError& e) {
        refuse_unknown_option(app);
        throw Error(parse_error_message(app, e));
    } catch (const Error&) { // a value's own check (a size, a count)
        refuse_unknown_option(app);
        throw;
    }
    if (parsed.version) {
        std::cout << "fanout " << FANOUT_VERSION << "\n";
        return {std::nullopt, k_exit_success};
    }
    if (parsed.semaphore) {
        refuse_outside_semaphore(app);
    }
    return {finish_options(std::move(parsed), app.remaining()), k_exit_success};
}

} // namespace fanout
