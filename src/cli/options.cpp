#include "options.hpp"

#include "error.hpp"
#include "exit_codes.hpp"
#include "option_words.hpp"
#include "size.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <iostream>

namespace fanout {

namespace {

constexpr const char* k_footer = R"(Replacement strings (in the command, quoted for the shell when substituted):
  {}  the argument        {.}  without extension   {/}  basename   {//}  dirname
  {/.} basename without extension   {#}  job sequence number   {%}  job slot number
  {N} {N.} {N/} {N//} {N/.}  the same for the N-th argument, column or input source
  With no replacement string the arguments are appended to the command.

Exit status: 0 all jobs succeeded; 1-100 that many jobs failed; 101 more than 100
failed; 255 usage or internal error (an error on the command line starts no job).

See man fanout for the full description and examples.)";

// CLI11's help, with GNU parallel's synopsis instead of the generic one.
class HelpFormatter : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App*, std::string) const override
    {
        return "Usage: fanout [options] [command [initial-args...]] [::: args...] [:::: argfiles...]\n";
    }
};

// Everything CLI11 fills in before we validate and convert it into Options.
struct RawOptions {
    std::optional<std::string> jobs;
    bool jobserver = false;
    bool no_jobserver = false;
    std::vector<std::string> arg_files;
    bool null = false;
    std::optional<std::string> delimiter;
    std::optional<std::string> colsep;
    bool link = false;
    std::optional<std::string> replace_str;
    std::optional<std::string> max_args;
    std::optional<std::string> exact_args;
    bool context_replace = false;
    std::optional<std::string> max_chars;
    bool quote = false;
    std::optional<std::string> shell;
    bool keep_order = false;
    bool group = false;
    bool line_buffer = false;
    bool ungroup = false;
    bool tag = false;
    std::optional<std::string> tagstring;
    bool dry_run = false;
    bool verbose = false;
    bool no_run_if_empty = false;
    bool version = false;
    std::optional<std::string> timeout;
    std::optional<std::string> termseq;
    std::optional<std::string> retries;
    std::optional<std::string> delay;
    std::optional<std::string> halt;
    std::optional<std::string> joblog;
    bool resume = false;
    bool resume_failed = false;
    std::optional<std::string> results;
    bool results_output = false;
    std::optional<std::string> junit;
    bool progress = false;
    std::string color = "auto";
    std::optional<std::string> load;
    std::optional<std::string> memfree;
    bool bar = false;
    bool eta = false;
    bool pipe = false;
    std::optional<std::string> block;
    std::optional<std::string> recend;
    std::optional<std::string> recstart;
    std::optional<std::string> header;
    bool round_robin = false;
    bool regexp = false;
    std::optional<std::string> tasks;
    std::vector<std::string> sshlogins;
    std::vector<std::string> sshloginfiles;
    std::optional<std::string> ssh;
    std::vector<std::string> env;
    std::optional<std::string> workdir;
    std::vector<std::string> transfer_files;
    bool transfer = false;
    std::vector<std::string> return_files;
    bool cleanup = false;
    std::vector<std::string> trc;
};

void add_input_options(CLI::App& app, RawOptions& raw)
{
    const char* group = "Input";
    app.add_option("-a,--arg-file", raw.arg_files, "Read arguments from FILE ('-' is stdin); repeatable")
        ->allow_extra_args(false)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->type_name("FILE")->group(group);
    app.add_flag("-0,--null", raw.null, "Records end with NUL, not newline")->group(group);
    app.add_option("-d,--delimiter", raw.delimiter, "Records end with DELIM (one byte; \\n, \\t, \\0, \\\\ allowed)")
        ->type_name("DELIM")->group(group);
    app.add_option("-C,--colsep", raw.colsep, "Split each record into columns {1} {2} ... at REGEX (Perl syntax)")
        ->type_name("REGEX")->group(group);
    app.add_flag("--link,--xapply", raw.link, "Pair input sources value by value (shorter ones wrap around) instead of combining them all")
        ->group(group);
    app.add_flag("-r,--no-run-if-empty", raw.no_run_if_empty, "Accepted for xargs: fanout never runs a job on empty input")
        ->group(group);
}

void add_stream_options(CLI::App& app, RawOptions& raw)
{
    const char* group = "Pipe and tasks";
    app.add_flag("--pipe,--spreadstdin", raw.pipe, "Cut the input into blocks and write each block to one job's stdin")
        ->group(group);
    app.add_option("--block,--block-size", raw.block, "--pipe: blocks of about SIZE bytes (default 1M; k, M, G suffixes)")
        ->type_name("SIZE")->group(group);
    app.add_option("--recend", raw.recend, "--pipe: records end with STR (default \\n; '' cuts anywhere)")
        ->type_name("STR")->group(group);
    app.add_option("--recstart", raw.recstart, "--pipe: records start with STR")->type_name("STR")->group(group);
    app.add_flag("--regexp,--regex", raw.regexp, "--pipe: --recend and --recstart are Perl regular expressions")
        ->group(group);
    app.add_option("--header", raw.header, "--pipe: repeat the first N records before every block")
        ->type_name("N")->group(group);
    app.add_flag("--round-robin,--roundrobin", raw.round_robin, "--pipe: start one job per slot and feed blocks to them in turn")
        ->group(group);
    app.add_option("--tasks", raw.tasks, "Run the tasks of a JSON Lines file or JSON array FILE ('-' is stdin)")
        ->type_name("FILE")->group(group);
}

CLI::Option* add_list(CLI::App& app, const std::string& name, std::vector<std::string>& values, const std::string& help)
{
    return app.add_option(name, values, help)
        ->allow_extra_args(false)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void add_remote_options(CLI::App& app, RawOptions& raw)
{
    const char* group = "Remote hosts";
    add_list(app, "-S,--sshlogin", raw.sshlogins, "Run jobs on [N/][user@]host[:port] over ssh (':' is here); repeatable, comma lists")
        ->type_name("HOSTS")->group(group);
    add_list(app, "--sshloginfile,--slf", raw.sshloginfiles, "Read hosts from FILE, one per line ('#' comments)")
        ->type_name("FILE")->group(group);
    app.add_option("--ssh", raw.ssh, "The ssh program and its options (default ssh)")->type_name("CMD")->group(group);
    add_list(app, "--env", raw.env, "Pass our variable NAME to remote jobs; repeatable")->type_name("NAME")->group(group);
    app.add_option("--workdir,--wd", raw.workdir, "Run remote jobs in DIR ('.': this directory's path below home; '...': a fresh one)")
        ->type_name("DIR")->group(group);
    add_list(app, "--transferfile,--tf", raw.transfer_files, "Send FILE (replacement strings allowed) to the host first; repeatable")
        ->type_name("FILE")->group(group);
    app.add_flag("--transfer", raw.transfer, "Send the input file {} to the host first (--transferfile {})")->group(group);
    add_list(app, "--return", raw.return_files, "Fetch FILE (replacement strings allowed) back after the job; repeatable")
        ->type_name("FILE")->group(group);
    app.add_flag("--cleanup", raw.cleanup, "Remove sent and fetched files from the host after the job")->group(group);
    add_list(app, "--trc", raw.trc, "Shorthand for --transfer --return FILE --cleanup")->type_name("FILE")->group(group);
}

void add_command_options(CLI::App& app, RawOptions& raw)
{
    const char* group = "Command";
    app.add_option("-I", raw.replace_str, "Use STR instead of {} as the replacement string")
        ->type_name("STR")->group(group);
    app.add_option("-n,--max-args", raw.max_args, "At most N arguments per job")->type_name("N")->group(group);
    app.add_option("-N", raw.exact_args, "Exactly N arguments per job, as {1}..{N}; -N 0: one job per record, no arguments")
        ->type_name("N")->group(group);
    app.add_flag("-X", raw.context_replace, "As many arguments per job as fit, repeating the word around {}")
        ->group(group);
    app.add_option("-s,--max-chars", raw.max_chars, "At most N characters per command line")
        ->type_name("N")->group(group);
    app.add_flag("-q,--quote", raw.quote, "Quote the command: run its words as they are, never through a shell")
        ->group(group);
    app.add_option("--shell", raw.shell, "Shell for commands that need one (default /bin/sh)")
        ->type_name("PATH")->group(group);
}

void add_run_options(CLI::App& app, RawOptions& raw)
{
    const char* group = "Running";
    app.add_option("-j,-P,--jobs", raw.jobs, "Run N jobs at once: N, N% or +N/-N of the CPUs, 0 = as many as possible")
        ->type_name("N")->group(group);
    app.add_option("--load", raw.load, "Start no job while the load average is above MAX (a number, or N% of the CPUs)")
        ->type_name("MAX")->group(group);
    app.add_option("--memfree", raw.memfree, "Start no job while less than SIZE memory is available (e.g. 2G)")
        ->type_name("SIZE")->group(group);
    app.add_flag("--jobserver", raw.jobserver, "Share GNU make's job slots even when -j is given (-j then caps)")
        ->group(group);
    app.add_flag("--no-jobserver", raw.no_jobserver, "Ignore GNU make's jobserver in MAKEFLAGS")->group(group);
    app.add_flag("--dry-run", raw.dry_run, "Print each command instead of running it")->group(group);
    app.add_flag("-t,--verbose", raw.verbose, "Print each command to stderr as it starts")->group(group);
    app.add_option("--timeout", raw.timeout, "Terminate a job after DURATION (30, 1.5s, 200ms, 2m) or N% of the median runtime")
        ->type_name("DURATION")->group(group);
    app.add_option("--termseq,--term-seq", raw.termseq, "How to terminate a job: SIGNAL,MS,... (default TERM,200,TERM,100,TERM,50,KILL,25)")
        ->type_name("SEQ")->group(group);
    app.add_option("--retries", raw.retries, "Run a failed job again, up to N more times")->type_name("N")->group(group);
    app.add_option("--delay", raw.delay, "Wait DURATION between job starts")->type_name("DURATION")->group(group);
    app.add_option("--halt,--halt-on-error", raw.halt, "Stop early: never, now|soon,fail|success|done=N or N%")
        ->type_name("WHEN")->group(group);
}

void add_report_options(CLI::App& app, RawOptions& raw)
{
    const char* group = "Reports";
    app.add_option("--joblog", raw.joblog, "Log each finished job to FILE (GNU parallel's format; +FILE appends)")
        ->type_name("FILE")->group(group);
    app.add_flag("--resume", raw.resume, "Skip jobs the --joblog shows as run")->group(group);
    app.add_flag("--resume-failed", raw.resume_failed, "Skip jobs the --joblog shows as succeeded; run the rest")
        ->group(group);
    app.add_option("--results", raw.results, "Write one JSON object per finished job to FILE ('-' is stdout)")
        ->type_name("FILE")->group(group);
    app.add_flag("--results-output", raw.results_output, "Include each job's output in --results")->group(group);
    app.add_option("--junit", raw.junit, "Write a JUnit XML report to FILE")->type_name("FILE")->group(group);
    app.add_flag("--progress", raw.progress, "Show a status line on stderr (on a terminal)")->group(group);
    app.add_flag("--bar", raw.bar, "Show a progress bar on stderr (on a terminal)")->group(group);
    app.add_flag("--eta", raw.eta, "Show progress with the estimated time left on stderr (on a terminal)")
        ->group(group);
}

void add_version_option(CLI::App& app, RawOptions& raw)
{
    app.add_flag("--version", raw.version, "Print the version and exit");
}

void add_output_options(CLI::App& app, RawOptions& raw)
{
    const char* group = "Output";
    app.add_flag("--group", raw.group, "Write each job's output whole when it ends (default)")->group(group);
    app.add_flag("-k,--keep-order", raw.keep_order, "Write output in input order")->group(group);
    app.add_flag("--line-buffer,--lb", raw.line_buffer, "Write whole lines as they come")->group(group);
    app.add_flag("-u,--ungroup", raw.ungroup, "Pass output straight through (may mix lines)")->group(group);
    app.add_option("--color,--colour", raw.color, "Colour --tag prefixes and the failure summary: auto, always, never")
        ->type_name("WHEN")->check(CLI::IsMember({"auto", "always", "never"}))->group(group);
    app.add_flag("--tag", raw.tag, "Prefix each output line with the job's arguments and a tab")->group(group);
    app.add_option("--tagstring", raw.tagstring, "Prefix each output line with STR and a tab (replacement strings allowed)")
        ->type_name("STR")->group(group);
}

// CLI11 checks each new option against every one before it: setting up all of them
// cost more than the rest of start-up together. So a group is set up only when the
// command line names one of its options (see OptionWords), and all for --help. The
// lists must name every option of their group: unlisted_option_names() checks them.
struct OptionGroup {
    std::string_view names;
    void (*add)(CLI::App&, RawOptions&);
};

constexpr OptionGroup k_groups[] = {
    {"-a --arg-file -0 --null -d --delimiter -C --colsep --link --xapply -r --no-run-if-empty", add_input_options},
    {"-I -n --max-args -N -X -s --max-chars -q --quote --shell", add_command_options},
    {"-j -P --jobs --load --memfree --jobserver --no-jobserver --dry-run -t --verbose --timeout --termseq "
     "--term-seq --retries --delay --halt --halt-on-error",
     add_run_options},
    {"--group -k --keep-order --line-buffer --lb -u --ungroup --color --colour --tag --tagstring", add_output_options},
    {"--joblog --resume --resume-failed --results --results-output --junit --progress --bar --eta",
     add_report_options},
    {"--pipe --spreadstdin --block --block-size --recend --recstart --regexp --regex --header --round-robin "
     "--roundrobin --tasks",
     add_stream_options},
    {"-S --sshlogin --sshloginfile --slf --ssh --env --workdir --wd --transferfile --tf --transfer --return "
     "--cleanup --trc",
     add_remote_options},
    {"--version", add_version_option},
};

bool listed(std::string_view names, const std::string& name)
{
    OptionWords words;
    if (name.starts_with("--")) {
        words.long_names.push_back(name);
    } else {
        words.short_letters = name.substr(1);
    }
    return names_any(names, words);
}

// The options `words` names (nullptr: all of them) in `app`, storing into `raw`.
void set_up(CLI::App& app, RawOptions& raw, const OptionWords* words)
{
    app.name("fanout");
    app.description("fanout: run commands in parallel, one per input record");
    app.formatter(std::make_shared<HelpFormatter>());
    app.footer(k_footer);
    app.get_formatter()->column_width(32);
    for (const OptionGroup& group : k_groups) {
        if (words == nullptr || names_any(group.names, *words)) {
            group.add(app, raw);
        }
    }
    app.prefix_command();
}

// A whole number >= minimum; "-1", "", "1.5" and overflow are errors, not wrap-arounds.
std::size_t parse_count(const std::string& text, const char* option, std::size_t minimum)
{
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < minimum) {
        throw Error(std::string(option) + ": invalid value '" + text + "' (expected a whole number of at least " +
                    std::to_string(minimum) + ")");
    }
    return value;
}

OutputMode output_mode_of(const RawOptions& raw)
{
    if (raw.ungroup) {
        if (raw.keep_order || raw.group || raw.line_buffer) {
            throw Error("-u/--ungroup cannot be combined with -k, --group or --line-buffer");
        }
        return OutputMode::ungroup;
    }
    if (raw.keep_order) {
        return OutputMode::keep_order;
    }
    if (raw.line_buffer) {
        if (raw.group) {
            throw Error("--group and --line-buffer exclude each other");
        }
        return OutputMode::line_buffer;
    }
    return OutputMode::group;
}

void set_records(Options& options, const RawOptions& raw)
{
    if (raw.null && raw.delimiter) {
        throw Error("-0/--null and -d/--delimiter exclude each other");
    }
    options.input.delimiter = raw.null ? '\0' : raw.delimiter ? parse_delimiter(*raw.delimiter) : '\n';
    if (raw.colsep) { // Perl's split reads /^/ as /^/m
        options.input.colsep.emplace(*raw.colsep, "--colsep", Regex::Flags{.multiline = *raw.colsep == "^"});
    }
}

void set_batching(Options& options, const RawOptions& raw)
{
    if (raw.max_args && raw.exact_args) {
        throw Error("-n and -N exclude each other");
    }
    if (raw.max_args) {
        options.max_args = parse_count(*raw.max_args, "-n/--max-args", 1);
    }
    if (raw.exact_args) {
        options.max_args = parse_count(*raw.exact_args, "-N", 0);
        options.exact_args = true;
    }
    options.context_replace = raw.context_replace;
    if (raw.max_chars) {
        options.max_chars = parse_count(*raw.max_chars, "-s/--max-chars", 1);
    }
}

void set_command_style(Options& options, const RawOptions& raw)
{
    if (raw.replace_str) {
        if (raw.replace_str->empty()) {
            throw Error("-I: the replacement string is empty");
        }
        options.replace_str = *raw.replace_str;
    }
    options.quote_command = raw.quote;
    if (raw.shell) {
        if (::access(raw.shell->c_str(), X_OK) != 0) {
            throw Error(os_error("--shell: " + *raw.shell));
        }
        options.shell = *raw.shell;
    }
}

// Splits what follows the options into the command and the ':::'/'::::' sources.
void split_command_and_sources(Options& options, std::vector<std::string> rest)
{
    if (!rest.empty() && rest.front() == "--") {
        rest.erase(rest.begin());
    } else if (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-') {
        throw Error("unknown option '" + rest.front() + "' (see fanout --help)");
    }
    enum class State { command, args, files } state = State::command;
    for (auto& word : rest) {
        if (word == ":::") {
            options.input.sources.push_back({SourceSpec::Kind::args, {}, {}});
            state = State::args;
        } else if (word == "::::") {
            state = State::files;
        } else if (state == State::command) {
            options.command.push_back(std::move(word));
        } else if (state == State::args) {
            options.input.sources.back().args.push_back(std::move(word));
        } else {
            options.input.sources.push_back({SourceSpec::Kind::file, {}, std::move(word)});
        }
    }
    if (state == State::files && (options.input.sources.empty() || options.input.sources.back().kind != SourceSpec::Kind::file)) {
        throw Error("'::::' needs at least one file name after it");
    }
}

void set_pipe(Options& options, const RawOptions& raw)
{
    options.pipe = raw.pipe;
    options.round_robin = raw.round_robin;
    if (!raw.pipe) {
        for (const auto& [given, name] : {std::pair{raw.block.has_value(), "--block"}, {raw.recend.has_value(), "--recend"},
                                          {raw.recstart.has_value(), "--recstart"}, {raw.header.has_value(), "--header"},
                                          {raw.round_robin, "--round-robin"}, {raw.regexp, "--regexp"}}) {
            if (given) {
                throw Error(std::string(name) + " needs --pipe");
            }
        }
        return;
    }
    if (options.command.empty()) {
        throw Error("--pipe needs a command to write the blocks to");
    }
    if (options.input.sources.size() > 1 || (options.input.sources.size() == 1 && options.input.sources[0].kind != SourceSpec::Kind::file)) {
        throw Error("--pipe reads one stream: stdin, or one file given with -a or '::::'");
    }
    if (raw.context_replace || raw.max_args) {
        throw Error("--pipe: use -N RECORDS for a number of records per block (-n and -X do not apply)");
    }
    if (raw.block) {
        options.block_size = parse_size(*raw.block, "--block");
        if (options.block_size == 0) {
            throw Error("--block: the size must be at least 1 byte");
        }
    }
    options.regexp = raw.regexp;
    for (const auto& [regex, name] : {std::pair{&raw.recend, "--recend"}, {&raw.recstart, "--recstart"}}) {
        if (raw.regexp && *regex) {
            Regex check(**regex, name); // a pattern that does not compile is a usage error now
        }
    }
    if (raw.recend) {
        options.recend = raw.regexp ? *raw.recend : parse_escapes(*raw.recend, "--recend");
    }
    if (raw.recstart) {
        options.recstart = raw.regexp ? *raw.recstart : parse_escapes(*raw.recstart, "--recstart");
        if (!raw.recend) {
            options.recend.clear(); // as GNU parallel: a record may end anywhere before recstart
        }
    }
    if (raw.header) {
        options.header_records = parse_count(*raw.header, "--header", 0);
    }
    if (options.exact_args && options.max_args == 0) {
        throw Error("-N: --pipe needs at least 1 record per block");
    }
}

std::vector<std::string> split_words(const std::string& text)
{
    std::vector<std::string> words;
    std::size_t start = 0;
    while ((start = text.find_first_not_of(" \t", start)) != std::string::npos) {
        std::size_t end = text.find_first_of(" \t", start);
        words.push_back(text.substr(start, end - start));
        start = end;
    }
    return words;
}

// fanout runs one ControlMaster per host and needs its socket (to share the login, to
// tell a lost host, to close it at the end); ssh takes an option's first value, so
// the --ssh words must not set these.
void check_ssh_words(const std::vector<std::string>& words)
{
    for (std::size_t i = 1; i < words.size(); ++i) {
        std::string word = words[i];
        std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
        bool control = word.find("controlmaster") != std::string::npos ||
                       word.find("controlpath") != std::string::npos ||
                       word.find("controlpersist") != std::string::npos;
        if (control || words[i] == "-S" || words[i] == "-M" || words[i] == "-MM") {
            throw Error("--ssh: '" + words[i] + "': fanout sets up ssh's connection sharing (ControlMaster, "
                        "ControlPath) itself");
        }
    }
}

bool is_variable_name(const std::string& name)
{
    // [A-Za-z_][A-Za-z0-9_]*, in ASCII whatever the locale.
    auto is_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    auto is_word = [&](char c) { return is_letter(c) || (c >= '0' && c <= '9'); };
    return !name.empty() && is_letter(name[0]) && std::all_of(name.begin(), name.end(), is_word);
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

void set_remote(Options& options, const RawOptions& raw)
{
    for (const auto& spec : raw.sshlogins) {
        auto logins = parse_sshlogins(spec, "-S/--sshlogin");
        options.sshlogins.insert(options.sshlogins.end(), logins.begin(), logins.end());
    }
    for (const auto& path : raw.sshloginfiles) {
        auto logins = read_sshloginfile(path);
        options.sshlogins.insert(options.sshlogins.end(), logins.begin(), logins.end());
    }
    bool remote_options = raw.ssh || !raw.env.empty() || raw.workdir || !raw.transfer_files.empty() || raw.transfer ||
                          !raw.return_files.empty() || raw.cleanup || !raw.trc.empty();
    if (options.sshlogins.empty()) {
        if (remote_options) {
            throw Error("--ssh, --env, --workdir, --transferfile, --transfer, --return, --cleanup and --trc need "
                        "-S/--sshlogin or --sshloginfile");
        }
        if (!raw.sshloginfiles.empty()) {
            throw Error("--sshloginfile: no host in " + raw.sshloginfiles.front());
        }
        return;
    }
    if (raw.pipe) {
        throw Error("--pipe cannot send blocks to remote hosts (-S) yet");
    }
    if (raw.ssh) {
        options.ssh = split_words(*raw.ssh);
        if (options.ssh.empty()) {
            throw Error("--ssh: no program given");
        }
        check_ssh_words(options.ssh);
    }
    for (const auto& name : raw.env) {
        const char* value = std::getenv(name.c_str());
        if (!is_variable_name(name) || value == nullptr) {
            throw Error("--env: " + (is_variable_name(name) ? name + " is not set" : "'" + name + "' is not a variable name"));
        }
        options.env.emplace_back(name, value);
    }
    options.workdir = raw.workdir.value_or("");
    if (options.workdir == ".") {
        options.workdir = path_below_home();
    }
    options.transfer_files = raw.transfer_files;
    options.return_files = raw.return_files;
    if (raw.transfer || !raw.trc.empty()) {
        options.transfer_files.emplace_back(options.replace_str);
    }
    options.return_files.insert(options.return_files.end(), raw.trc.begin(), raw.trc.end());
    options.cleanup = raw.cleanup || !raw.trc.empty();
}

void set_tasks(Options& options, const RawOptions& raw)
{
    if (!raw.tasks) {
        return;
    }
    if (!options.command.empty() || !options.input.sources.empty()) {
        throw Error("--tasks: each task names its command; give no command, ':::' or input file");
    }
    if (raw.pipe || raw.max_args || raw.exact_args || raw.context_replace || raw.colsep) {
        throw Error("--tasks cannot be combined with --pipe, -n, -N, -X or --colsep");
    }
    options.tasks = raw.tasks;
}

void set_job_control(Options& options, const RawOptions& raw)
{
    options.timeout = raw.timeout;
    if (raw.termseq) {
        options.termseq = *raw.termseq;
    }
    options.retries = raw.retries ? parse_count(*raw.retries, "--retries", 0) : 0;
    options.delay = raw.delay;
    if (raw.halt) {
        options.halt = *raw.halt;
    }
    options.joblog = raw.joblog;
    if ((raw.resume || raw.resume_failed) && !raw.joblog) {
        throw Error("--resume and --resume-failed need --joblog FILE");
    }
    options.resume = raw.resume;
    options.resume_failed = raw.resume_failed;
    options.results = raw.results;
    if (raw.results_output && !raw.results) {
        throw Error("--results-output needs --results FILE");
    }
    options.results_output = raw.results_output;
    options.junit = raw.junit;
    options.load = raw.load;
    options.memfree = raw.memfree;
    options.color = raw.color == "always"  ? Options::Color::always
                    : raw.color == "never" ? Options::Color::never
                                           : Options::Color::auto_;
    using P = Options::Progress;
    options.progress = raw.bar ? P::bar : raw.eta ? P::eta : raw.progress ? P::counts : P::none;
}

Options to_options(const RawOptions& raw, std::vector<std::string> rest)
{
    Options options;
    for (const auto& path : raw.arg_files) {
        options.input.sources.push_back({SourceSpec::Kind::file, {}, path});
    }
    split_command_and_sources(options, std::move(rest));
    options.input.link = raw.link;
    set_records(options, raw);
    set_batching(options, raw);
    set_command_style(options, raw);
    options.jobs_spec = raw.jobs;
    if (raw.jobserver && raw.no_jobserver) {
        throw Error("--jobserver and --no-jobserver exclude each other");
    }
    if (raw.jobserver || raw.no_jobserver) {
        options.jobserver = raw.jobserver;
    }
    options.output_mode = output_mode_of(raw);
    options.tag = raw.tag;
    options.tagstring = raw.tagstring;
    options.dry_run = raw.dry_run;
    options.verbose = raw.verbose;
    set_job_control(options, raw);
    set_pipe(options, raw);
    set_tasks(options, raw);
    set_remote(options, raw);
    return options;
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
        case 'n': bytes += '\n'; break;
        case 'r': bytes += '\r'; break;
        case 't': bytes += '\t'; break;
        case '0': bytes += '\0'; break;
        case '\\': bytes += '\\'; break;
        case 'x': {
            unsigned value = 0;
            auto [ptr, ec] = i + 3 <= text.size() ? std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16)
                                                   : std::from_chars_result{nullptr, std::errc::invalid_argument};
            if (ec != std::errc() || ptr != text.data() + i + 3) {
                throw Error(std::string(option) + ": '\\x' needs two hex digits in '" + text + "'");
            }
            bytes += static_cast<char>(value);
            i += 2;
            break;
        }
        default:
            throw Error(std::string(option) + ": unknown escape '\\" + std::string(1, next) + "' in '" + text +
                        "' (use \\n \\r \\t \\0 \\\\ or \\xHH)");
        }
    }
    return bytes;
}

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
    if (spec == "\\0") {
        return '\0';
    }
    if (spec == "\\\\") {
        return '\\';
    }
    throw Error("-d/--delimiter: '" + spec + "' is not one byte (use \\n, \\t, \\0 or one character)");
}

ParseResult parse_command_line(int argc, const char* const* argv)
{
    CLI::App app;
    RawOptions raw;
    OptionWords words = scan_option_words(argc, argv);
    set_up(app, raw, &words);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        CLI::App full;
        RawOptions unused;
        set_up(full, unused, nullptr);
        std::cout << full.help();
        return {std::nullopt, k_exit_success};
    } catch (const CLI::ParseError& e) {
        throw Error(e.what());
    }
    if (raw.version) {
        std::cout << "fanout " << FANOUT_VERSION << "\n";
        return {std::nullopt, k_exit_success};
    }
    return {to_options(raw, app.remaining()), k_exit_success};
}

std::vector<std::string> unlisted_option_names()
{
    std::vector<std::string> unlisted;
    for (const OptionGroup& group : k_groups) {
        CLI::App app;
        RawOptions raw;
        group.add(app, raw);
        for (const CLI::Option* option : app.get_options()) {
            std::vector<std::string> names;
            for (const auto& name : option->get_snames()) {
                names.push_back("-" + name);
            }
            for (const auto& name : option->get_lnames()) {
                names.push_back("--" + name);
            }
            for (const auto& name : names) {
                bool help = name == "-h" || name == "--help";
                if (!help && !listed(group.names, name)) {
                    unlisted.push_back(std::string(group.names.substr(0, 20)) + "...: " + name);
                }
            }
        }
    }
    return unlisted;
}

CommandSettings command_settings(const Options& options)
{
    CommandSettings settings;
    settings.command = options.command;
    settings.syntax.replace_str = options.replace_str;
    settings.syntax.quote_command = options.quote_command;
    settings.syntax.context_replace = options.context_replace;
    // --pipe jobs get their input on stdin, -N 0 jobs none: nothing to append.
    settings.syntax.append_args = !options.pipe && !(options.exact_args && options.max_args == 0);
    settings.syntax.shell = options.shell;
    settings.tag = options.tag;
    settings.tagstring = options.tagstring;
    settings.transfer_files = options.transfer_files;
    settings.return_files = options.return_files;
    return settings;
}

} // namespace fanout
