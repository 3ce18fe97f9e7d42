#include "option_table.hpp"

#include "cpu_count.hpp"
#include "duration.hpp"
#include "error.hpp"
#include "halt.hpp"
#include "printf_escapes.hpp"
#include "size.hpp"
#include "system_gate.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>

namespace fanout {

namespace {

constexpr const char* k_footer =
    R"(Replacement strings (in the command, quoted for the shell when substituted):
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

    // The value's name only: CLI11 would add its "Needs:" and "Excludes:" lists, which
    // push the text to a line of its own; the help words and the errors say them.
    std::string make_option_opts(const CLI::Option* option) const override
    {
        return option->get_type_size() == 0 ? std::string() : " " + option->get_type_name();
    }
};

using Store = std::function<void(const std::string&)>;
using StoreAll = std::function<void(const std::vector<std::string>&)>;

// An option with one value, which `store` parses into its type; an Error it throws
// (naming the option) ends the parse.
CLI::Option* add_value(CLI::App& app, const std::string& names, const char* type, const std::string& help,
                       const Store& store)
{
    return app.add_option_function<std::string>(names, store, help)->type_name(type);
}

// A repeatable option with one value each time.
CLI::Option* add_list(CLI::App& app, const std::string& names, const char* type, const std::string& help,
                      const StoreAll& store)
{
    return app.add_option_function<std::vector<std::string>>(names, store, help)
        ->type_name(type)
        ->allow_extra_args(false)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// --trim's value, as GNU parallel spells it.
Trim parse_trim(const std::string& how)
{
    if (how == "n") {
        return Trim::none;
    }
    if (how == "l" || how == "r" || how == "lr" || how == "rl") {
        return how == "l" ? Trim::left : how == "r" ? Trim::right : Trim::both;
    }
    throw Error("--trim: invalid value '" + how + "' (expected n, l, r, lr or rl)");
}

// A whole number >= minimum; "-1", "", "1.5" and overflow are errors, not wrap-arounds.
std::size_t parse_count(const std::string& text, const char* option, std::size_t minimum)
{
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < minimum) {
        throw Error(std::string(option) + ": invalid value '" + text +
                    "' (expected a whole number of at least " + std::to_string(minimum) + ")");
    }
    return value;
}

void add_input_options(CLI::App& app, ParsedOptions& parsed)
{
    InputSettings& input = parsed.options.input;
    const char* group = "Input";
    add_list(app, "-a,--arg-file", "FILE", "Read arguments from FILE ('-' is stdin); repeatable",
             [&input](const std::vector<std::string>& paths) {
                 for (const auto& path : paths) {
                     input.sources.push_back({SourceSpec::Kind::file, {}, path});
                 }
             })
        ->group(group);
    auto* null =
        app.add_flag_callback(
               "-0,--null", [&input] { input.delimiter = '\0'; }, "Records end with NUL, not newline")
            ->group(group);
    add_value(app, "-d,--delimiter", "DELIM",
              "Records end with DELIM (one byte; \\n \\t \\r \\0, octal \\NNN and \\\\ allowed)",
              [&input](const std::string& spec) { input.delimiter = parse_delimiter(spec); })
        ->excludes(null)
        ->group(group);
    add_value(app, "-C,--colsep", "REGEX",
              "Split each record into columns {1} {2} ... at REGEX (Perl syntax)",
              [&input](const std::string& regex) { // Perl's split reads /^/ as /^/m
                  input.colsep.emplace(regex, "--colsep", Regex::Flags{.multiline = regex == "^"});
              })
        ->group(group);
    app.add_flag("--csv", parsed.csv,
                 "Records are CSV (RFC 4180: quoted fields may hold the separator, \"\" and newlines); "
                 "--colsep gives the separator, one character (default ,)")
        ->group(group);
    add_value(app, "--trim", "n|l|r|lr|rl",
              "Remove white space from the left, right or both ends of each value or column "
              "(default: lr with --colsep, else n)",
              [&parsed](const std::string& how) { parsed.trim = parse_trim(how); })
        ->group(group);
    app.add_flag("--link,--xapply", input.link,
                 "Pair input sources value by value (shorter ones wrap around) instead of combining them all")
        ->group(group);
    add_value(app, "-E,-e,--eof", "STR",
              "Stop reading each input source at a record equal to STR (-e and --eof take only an "
              "attached value: -eSTR, --eof=STR; alone, no STR)",
              [&input](const std::string& eof) {
                  if (eof == "0") { // GNU parallel ignores it (false in Perl), xargs stops at 0
                      throw Error("-E/--eof: '0' is refused: GNU parallel ignores it and xargs stops at it");
                  }
                  input.eof = eof;
              })
        ->group(group);
    app.add_flag(
           "-r,--no-run-if-empty", input.skip_blank,
           "Skip records that are empty or white space only, in every source (empty input never runs a job)")
        ->group(group);
}

// An option that renames the replacement string `standard` to its value.
CLI::Option* add_rename(CLI::App& app, const std::string& names, const char* standard, std::string& name)
{
    std::string first = names.substr(0, names.find(','));
    return add_value(app, names, "STR",
                     std::string("Use STR instead of ") + standard + " as the replacement string",
                     [&name, first](const std::string& text) {
                         if (text.empty()) {
                             throw Error(first + ": the replacement string is empty");
                         }
                         name = text;
                     });
}

void add_command_options(CLI::App& app, ParsedOptions& parsed)
{
    TemplateSyntax& syntax = parsed.options.command.syntax;
    const char* group = "Command";
    add_rename(app, "-I", "{}", syntax.names.all)->group(group);
    add_value(app, "-i,--replace", "STR",
              "As -I STR, STR attached only (-iSTR, --replace=STR); alone, as -I {} (xargs' spelling)",
              [&syntax](const std::string& text) {
                  if (text.empty()) {
                      return; // alone: {}, or what -I chose, as in GNU parallel
                  }
                  if (syntax.names.all != "{}") { // -I's callback ran first
                      throw Error(
                          "-i/--replace STR cannot be used with -I (GNU parallel then takes both names)");
                  }
                  syntax.names.all = text;
              })
        ->group(group);
    add_rename(app, "--er,--extensionreplace", "{.}", syntax.names.no_extension)->group(group);
    add_rename(app, "--bnr,--basenamereplace", "{/}", syntax.names.basename)->group(group);
    add_rename(app, "--dnr,--dirnamereplace", "{//}", syntax.names.dirname)->group(group);
    add_rename(app, "--bner,--basenameextensionreplace", "{/.}", syntax.names.basename_no_extension)
        ->group(group);
    add_rename(app, "--seqreplace", "{#}", syntax.names.seq)->group(group);
    add_rename(app, "--slotreplace", "{%}", syntax.names.slot)->group(group);
    add_list(app, "--rpl", "'TAG PERL'",
             "TAG stands for {= PERL =}; a TAG with one (regex) gives its groups to PERL as $$1, $$2...",
             [&syntax](const std::vector<std::string>& values) {
                 for (const auto& value : values) {
                     syntax.names.rpl.push_back(parse_rpl(value));
                 }
             })
        ->group(group);
    app.add_flag("--plus", syntax.names.plus,
                 "Also GNU parallel's --plus strings: {+/} {+.} {..} {/..} {##} {0#} {0%} {:-STR} {:N:M} "
                 "{#RE} {%RE} {/RE/STR} {//RE/STR} {^RE} {,RE}...")
        ->group(group);
    auto* max_args =
        add_value(app, "-n,--max-args", "N", "At most N arguments per job; -n 0 is -N 0",
                  [&parsed](const std::string& n) { parsed.max_args = parse_count(n, "-n/--max-args", 0); })
            ->group(group);
    add_value(app, "-N,--max-replace-args", "N",
              "Exactly N arguments per job, as {1}..{N}; -N 0: one job per record, no arguments",
              [&parsed](const std::string& n) { parsed.exact_args = parse_count(n, "-N", 0); })
        ->excludes(max_args)
        ->group(group);
    add_value(app, "-L", "N",
              "N records per job, as -N N with -X's repeated context; a record ending in white space "
              "goes on in the next",
              [&parsed](const std::string& n) { parsed.max_lines = parse_count(n, "-L", 1); })
        ->group(group);
    add_value(app, "-l,--max-lines", "N",
              "As -L N, N attached only (-lN, --max-lines=N); alone or 0: -L 1 (xargs' spelling)",
              [&parsed](const std::string& n) {
                  parsed.max_lines =
                      n.empty() ? 1 : std::max<std::size_t>(parse_count(n, "-l/--max-lines", 0), 1);
              })
        ->group(group);
    app.add_flag("-X", syntax.context_replace,
                 "As many arguments per job as fit, repeating the word around {}; at the end of "
                 "input, spread over the job slots")
        ->group(group);
    app.add_flag("-m", parsed.multiple,
                 "As many arguments per job as fit, as separate words in place of {}; at the end of "
                 "input, spread over the job slots")
        ->group(group);
    app.add_flag("--xargs", parsed.xargs,
                 "As many arguments per job as fit, as separate words in place of {}")
        ->group(group);
    add_value(
        app, "-s,--max-chars", "N", "At most N characters per command line",
        [&parsed](const std::string& n) { parsed.options.max_chars = parse_count(n, "-s/--max-chars", 1); })
        ->group(group);
    app.add_flag("-q,--quote", syntax.quote_command,
                 "Quote the command: run its words as they are, never through a shell")
        ->group(group);
    add_value(app, "--shell", "PATH",
              "Run every command through the shell PATH (default: /bin/sh, only for commands that need "
              "one)",
              [&syntax](const std::string& path) {
                  if (::access(path.c_str(), X_OK) != 0) {
                      throw Error(os_error("--shell: " + path));
                  }
                  syntax.shell = path;
                  syntax.force_shell = true;
              })
        ->group(group);
}

bool is_variable_name(const std::string& name)
{
    // [A-Za-z_][A-Za-z0-9_]*, in ASCII whatever the locale.
    auto is_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    auto is_word = [&](char c) { return is_letter(c) || (c >= '0' && c <= '9'); };
    return !name.empty() && is_letter(name[0]) && std::all_of(name.begin(), name.end(), is_word);
}

void add_run_options(CLI::App& app, ParsedOptions& parsed)
{
    Options& options = parsed.options;
    JobControl& control = options.control;
    const char* group = "Running";
    add_value(app, "-j,-P,--jobs,--max-procs", "N",
              "Run N jobs at once: N, N% or +N/-N of the CPUs, 0 = as many as possible",
              [&options](const std::string& spec) { options.jobs.emplace(spec); })
        ->group(group);
    add_value(app, "--process-slot-var", "NAME",
              "Set NAME to the job's slot number less one (from 0), as xargs does",
              [&options](const std::string& name) {
                  if (!is_variable_name(name)) {
                      throw Error("--process-slot-var: '" + name + "' is not a variable name");
                  }
                  options.process_slot_var = name;
              })
        ->group(group);
    add_value(
        app, "--load", "MAX",
        "Start no job while the load average is above MAX (a number, or N% of the CPUs)",
        [&control](const std::string& max) { control.gate.max_load = parse_load(max, usable_cpu_count()); })
        ->group(group);
    add_value(app, "--memfree", "SIZE",
              "Start no job while less than SIZE memory is available (e.g. 2G = 2^31, 2g = 2*10^9)",
              [&control](const std::string& size) { control.gate.min_free = parse_size(size, "--memfree"); })
        ->group(group);
    auto* jobserver = app.add_flag_callback(
                             "--jobserver", [&options] { options.jobserver = true; },
                             "Share GNU make's job slots even when -j is given (-j then caps)")
                          ->group(group);
    app.add_flag_callback(
           "--no-jobserver", [&options] { options.jobserver = false; },
           "Ignore GNU make's jobserver in MAKEFLAGS")
        ->excludes(jobserver)
        ->group(group);
    app.add_flag("--serve-jobserver", options.serve_jobserver,
                 "Share the -j slots with the jobs' own make, ninja or cargo through a GNU make jobserver")
        ->group(group);
    app.add_flag("--dry-run,--dryrun", options.dry_run, "Print each command instead of running it")
        ->group(group);
    app.add_flag("-t,--verbose", control.verbose, "Print each command to stderr as it starts")->group(group);
    add_value(app, "--timeout", "DURATION",
              "Terminate a job after DURATION (30, 1.5s, 200ms, 2m) or N% of the median runtime",
              [&control](const std::string& text) { control.timeout = parse_timeout(text); })
        ->group(group);
    add_value(app, "--termseq,--term-seq", "SEQ",
              "How to terminate a job: SIGNAL,MS,... (default TERM,200,TERM,100,TERM,50,KILL,25)",
              [&control](const std::string& text) { control.termseq = parse_termseq(text); })
        ->group(group);
    add_value(app, "--retries", "N", "Run a failed job up to N times in all (0 is the same as 1)",
              [&control](const std::string& n) { control.retries = parse_count(n, "--retries", 0); })
        ->group(group);
    add_value(app, "--delay", "DURATION", "Wait DURATION between job starts",
              [&control](const std::string& text) { control.delay = parse_duration(text, "--delay"); })
        ->group(group);
    add_value(app, "--halt,--halt-on-error", "WHEN", "Stop early: never, now|soon,fail|success|done=N or N%",
              [&control](const std::string& text) { control.halt = parse_halt(text); })
        ->group(group);
}

// --tagstring's value as GNU parallel reads it: its escapes (\t, \NNN...) undone, and an
// empty one no tag string at all (perl's false). "0", also false there, would be no tag
// in GNU parallel and a "0" tag here: refused rather than either.
std::optional<std::string> parse_tagstring(const std::string& text)
{
    if (text.empty()) {
        return std::nullopt;
    }
    if (text == "0") {
        throw Error(
            "--tagstring 0: GNU parallel ignores a tag string of 0 (false in perl), so it is refused");
    }
    return unquote_printf(text, "--tagstring"); // GNU parallel reads \t, \n, \r and octal escapes
}

void add_output_options(CLI::App& app, ParsedOptions& parsed)
{
    Options& options = parsed.options;
    const char* group = "Output";
    // The mode is settled once all are known (-k beats --line-buffer): finish_options().
    auto* group_flag = app.add_flag("--group")
                           ->description("Write each job's output whole when it ends (default)")
                           ->group(group);
    auto* keep_order =
        app.add_flag("-k,--keep-order", parsed.keep_order, "Write output in input order")->group(group);
    auto* line_buffer =
        app.add_flag("--line-buffer,--lb,--linebuffer", parsed.line_buffer, "Write whole lines as they come")
            ->excludes(group_flag)
            ->group(group);
    app.add_flag("-u,--ungroup", parsed.ungroup, "Pass output straight through (may mix lines)")
        ->excludes(keep_order)
        ->excludes(group_flag)
        ->excludes(line_buffer)
        ->group(group);
    add_value(app, "--color,--colour", "WHEN",
              "Colour --tag prefixes and the failure summary: auto, always, never",
              [&options](const std::string& when) {
                  if (when != "auto" && when != "always" && when != "never") {
                      throw Error("--color: invalid value '" + when + "' (expected auto, always or never)");
                  }
                  options.color = when == "always"  ? Options::Color::always
                                  : when == "never" ? Options::Color::never
                                                    : Options::Color::auto_;
              })
        ->group(group);
    app.add_flag("--tag", options.command.tag, "Prefix each output line with the job's arguments and a tab")
        ->group(group);
    add_value(
        app, "--tagstring", "STR",
        "Prefix each output line with STR and a tab (replacement strings, and the escapes \\t \\n \\r \\NNN)",
        [&options](const std::string& text) { options.command.tagstring = parse_tagstring(text); })
        ->group(group);
}

// --results NAME: what GNU parallel writes for the name (a table for *.csv, *.tsv and
// *.json, in any case; "-.csv", "-.tsv" and "-.json" on stdout; a tree for any other
// name), except that *.jsonl and "-" are fanout's own JSON Lines.
ReportSettings::Results parse_results_name(const std::string& path)
{
    using Format = ReportSettings::ResultsFormat;
    auto ends_with = [&path](std::string_view suffix) {
        return path.size() >= suffix.size() &&
               std::equal(suffix.begin(), suffix.end(),
                          path.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                          [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
    };
    if (path == "-" || (path.ends_with(".jsonl") && path.size() > 6)) {
        return {path, Format::json_lines};
    }
    Format format = ends_with(".csv")    ? Format::csv
                    : ends_with(".tsv")  ? Format::tsv
                    : ends_with(".json") ? Format::gnu_json
                                         : Format::tree;
    bool to_stdout = path == "-.csv" || path == "-.tsv" || path == "-.json";
    if (path.empty()) {
        throw Error("--results: empty name");
    }
    return {to_stdout ? std::string("-") : path, format};
}

void add_report_options(CLI::App& app, ParsedOptions& parsed)
{
    ReportSettings& reports = parsed.options.reports;
    using Progress = ReportSettings::Progress;
    auto show = [&reports](Progress progress) {
        return [&reports, progress] { reports.progress = std::max(reports.progress, progress); };
    };
    const char* group = "Reports";
    auto* joblog = add_value(app, "--joblog,--jl", "FILE",
                             "Log each finished job to FILE (GNU parallel's format; +FILE appends)",
                             [&reports](const std::string& path) { reports.joblog = path; })
                       ->group(group);
    app.add_flag("--resume", reports.resume, "Skip jobs the --joblog shows as run")
        ->needs(joblog)
        ->group(group);
    app.add_flag("--resume-failed", reports.resume_failed,
                 "Skip jobs the --joblog shows as succeeded; run the rest")
        ->needs(joblog)
        ->group(group);
    auto* results =
        add_value(app, "--results,--res", "NAME",
                  "Save each job's output and exit: DIR (GNU parallel's tree), *.csv, *.tsv, *.json "
                  "(GNU's), *.jsonl or - (fanout's JSON Lines)",
                  [&reports](const std::string& path) { reports.results = parse_results_name(path); })
            ->group(group);
    app.add_flag("--results-output", reports.results_output,
                 "Include each job's output in --results *.jsonl or -")
        ->needs(results)
        ->group(group);
    app.add_flag("--files,--output-as-files,--outputasfiles", reports.files,
                 "Save each job's stdout in a file in --tmpdir and print the file's name instead")
        ->group(group);
    add_value(app, "--junit", "FILE", "Write a JUnit XML report to FILE",
              [&reports](const std::string& path) { reports.junit = path; })
        ->group(group);
    app.add_flag_callback("--progress", show(Progress::counts),
                          "Show a status line on stderr (on a terminal)")
        ->group(group);
    app.add_flag_callback("--bar", show(Progress::bar), "Show a progress bar on stderr (on a terminal)")
        ->group(group);
    app.add_flag_callback("--eta", show(Progress::eta),
                          "Show progress with the estimated time left on stderr (on a terminal)")
        ->group(group);
}

void add_stream_options(CLI::App& app, ParsedOptions& parsed)
{
    Options& options = parsed.options;
    BlockRules& blocks = options.blocks;
    const char* group = "Pipe and tasks";
    auto* pipe = app.add_flag("--pipe,--spreadstdin", options.pipe,
                              "Cut the input into blocks and write each block to one job's stdin")
                     ->group(group);
    add_value(app, "--block,--block-size", "SIZE",
              "--pipe: blocks of about SIZE bytes (default 1M; k is 1000, K 1024, m 10^6, M 2^20...)",
              [&blocks](const std::string& size) {
                  blocks.block_size = parse_size(size, "--block");
                  if (blocks.block_size == 0) {
                      throw Error("--block: the size must be at least 1 byte");
                  }
              })
        ->needs(pipe)
        ->group(group);
    // Escapes or regexes, as --regexp says: finish_options() makes them bytes.
    add_value(app, "--recend", "STR", "--pipe: records end with STR (default \\n; '' cuts anywhere)",
              [&parsed](const std::string& text) { parsed.recend = text; })
        ->needs(pipe)
        ->group(group);
    add_value(app, "--recstart", "STR", "--pipe: records start with STR",
              [&parsed](const std::string& text) { parsed.recstart = text; })
        ->needs(pipe)
        ->group(group);
    app.add_flag("--regexp,--regex", blocks.regexp,
                 "--pipe: --recend and --recstart are Perl regular expressions")
        ->needs(pipe)
        ->group(group);
    add_value(app, "--header", ":|N|REGEX",
              "The first record of each source names its columns: {name} is that column (as {N}, with "
              "{name.} {name/} {name//} {name/.}); --colsep defaults to TAB. --pipe: repeat the first N "
              "records (: is 1) before every block",
              [&parsed](const std::string& value) { parsed.header = value; })
        ->group(group);
    app.add_flag("--round-robin,--roundrobin,--round", options.control.round_robin,
                 "--pipe: start one job per slot and feed blocks to them in turn")
        ->needs(pipe)
        ->group(group);
    add_value(app, "--tasks", "FILE", "Run the tasks of a JSON Lines file or JSON array FILE ('-' is stdin)",
              [&options](const std::string& path) { options.tasks = path; })
        ->excludes(pipe)
        ->group(group);
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

// --ssh: fanout runs one ControlMaster per host and needs its socket (to share the
// login, to tell a lost host, to close it at the end); ssh takes an option's first
// value, so the --ssh words must not set these.
std::vector<std::string> parse_ssh_words(const std::string& text)
{
    std::vector<std::string> words = split_words(text);
    if (words.empty()) {
        throw Error("--ssh: no program given");
    }
    for (std::size_t i = 1; i < words.size(); ++i) {
        std::string word = words[i];
        std::transform(word.begin(), word.end(), word.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        bool control = word.find("controlmaster") != std::string::npos ||
                       word.find("controlpath") != std::string::npos ||
                       word.find("controlpersist") != std::string::npos;
        if (control || words[i] == "-S" || words[i] == "-M" || words[i] == "-MM") {
            throw Error("--ssh: '" + words[i] +
                        "': fanout sets up ssh's connection sharing (ControlMaster, "
                        "ControlPath) itself");
        }
    }
    return words;
}

// --env NAME[,NAME...]: the names, checked; their values are looked up only for -S.
void add_env_names(std::vector<std::string>& names, const std::string& list)
{
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t comma = std::min(list.find(',', start), list.size());
        std::string name = list.substr(start, comma - start);
        if (name == "_") {
            throw Error("--env _: fanout does not pass 'every variable not in a clean environment' "
                        "(GNU parallel's --record-env); name the variables");
        }
        if (!is_variable_name(name)) {
            throw Error("--env: '" + name + "' is not a variable name");
        }
        names.push_back(std::move(name));
        start = comma + 1;
    }
}

void add_host_options(CLI::App& app, ParsedOptions& parsed)
{
    std::vector<SshLogin>& logins = parsed.options.sshlogins;
    const char* group = "Remote hosts";
    add_list(app, "-S,--sshlogin", "HOSTS",
             "Run jobs on [N/][user@]host[:port] over ssh (':' is here); repeatable, comma lists",
             [&logins](const std::vector<std::string>& specs) {
                 for (const auto& spec : specs) {
                     auto more = parse_sshlogins(spec, "-S/--sshlogin");
                     logins.insert(logins.end(), more.begin(), more.end());
                 }
             })
        ->group(group);
    add_list(app, "--sshloginfile,--slf", "FILE", "Read hosts from FILE, one per line ('#' comments)",
             [&parsed, &logins](const std::vector<std::string>& paths) {
                 for (const auto& path : paths) {
                     auto more = read_sshloginfile(path);
                     if (more.empty() && !parsed.empty_loginfile) {
                         parsed.empty_loginfile = path; // an error only when no other option names a host
                     }
                     logins.insert(logins.end(), more.begin(), more.end());
                 }
             })
        ->group(group);
}

void add_remote_options(CLI::App& app, ParsedOptions& parsed)
{
    add_host_options(app, parsed);
    RemoteSetup& remote = parsed.options.remote;
    CommandSettings& command = parsed.options.command;
    const char* group = "Remote hosts";
    // Local jobs take these two as well: the host options are the ones after them.
    add_list(app, "--env", "NAME",
             "Pass our variable NAME (or NAME,NAME...) to the jobs; remote ones need it; repeatable",
             [&parsed](const std::vector<std::string>& lists) {
                 for (const auto& list : lists) {
                     add_env_names(parsed.env_names, list);
                 }
             })
        ->group(group);
    add_value(app, "--workdir,--wd", "DIR",
              "Run jobs in DIR, made if missing; replacement strings allowed ('.': here; '...': a fresh "
              "one, -S only)",
              [&parsed](const std::string& dir) { parsed.workdir = dir; })
        ->group(group);
    std::size_t first = app.get_options().size();
    add_value(app, "--ssh", "CMD", "The ssh program and its options (default ssh)",
              [&remote](const std::string& text) { remote.ssh = parse_ssh_words(text); })
        ->group(group);
    add_list(app, "--transferfile,--tf", "FILE",
             "Send FILE (replacement strings allowed) to the host first; repeatable",
             [&command](const std::vector<std::string>& files) { command.transfer_files = files; })
        ->group(group);
    // {} is sent, or whatever -I makes it: finish_options() knows.
    app.add_flag("--transfer", parsed.transfer,
                 "Send the input file {} to the host first (--transferfile {})")
        ->group(group);
    add_list(app, "--return", "FILE",
             "Fetch FILE (replacement strings allowed) back after the job; repeatable",
             [&command](const std::vector<std::string>& files) { command.return_files = files; })
        ->group(group);
    app.add_flag("--cleanup", remote.cleanup, "Remove sent and fetched files from the host after the job")
        ->group(group);
    add_list(app, "--trc", "FILE", "Shorthand for --transfer --return FILE --cleanup",
             [&parsed](const std::vector<std::string>& files) { parsed.trc = files; })
        ->group(group);
    std::vector<CLI::Option*> added = app.get_options();
    parsed.host_options.assign(added.begin() + static_cast<std::ptrdiff_t>(first), added.end());
}

void add_slurm_options(CLI::App& app, ParsedOptions& parsed)
{
    Options& options = parsed.options;
    const char* group = "Slurm";
    app.add_flag("--slurm", options.slurm,
                 "Run the jobs on the nodes of the Slurm allocation we are in (salloc, sbatch): one "
                 "worker step per node, slots = the allocation's CPUs")
        ->group(group);
    add_value(app, "--cpus-per-task", "N", "With --slurm: count each job for N CPUs of its node (default 1)",
              [&parsed](const std::string& text) {
                  parsed.cpus_per_task = parse_count(text, "--cpus-per-task", 1);
              })
        ->group(group);
    app.add_flag("--slurm-worker", options.slurm_worker,
                 "Internal: the worker --slurm starts on each node (speaks to fanout on stdin/stdout)")
        ->group(group);
}

void add_semaphore_options(CLI::App& app, ParsedOptions& parsed)
{
    SemaphoreSettings& settings = parsed.semaphore_settings;
    using Mode = SemaphoreSettings::Mode;
    auto mode = [&parsed, &settings](Mode chosen) {
        return [&parsed, &settings, chosen] {
            parsed.semaphore = true;
            settings.mode = chosen;
        };
    };
    const char* group = k_semaphore_group;
    app.add_flag_callback(
           "--semaphore,--sem", [&parsed] { parsed.semaphore = true; },
           "Run the command once, holding one of -j slots (default 1) of a named semaphore; in the "
           "background unless --fg")
        ->group(group);
    add_value(app, "--semaphorename,--semaphore-name,--id", "NAME",
              "The semaphore's name (default: the terminal's); implies --semaphore",
              [&parsed, &settings](const std::string& name) {
                  parsed.semaphore = true;
                  settings.name = name;
              })
        ->group(group);
    auto* fg = app.add_flag_callback("--fg", mode(Mode::foreground),
                                     "Run the command here and exit with its status; implies --semaphore")
                   ->group(group);
    auto* bg = app.add_flag_callback("--bg", mode(Mode::background),
                                     "Run the command in the background, exit 0 once it started (default)")
                   ->excludes(fg)
                   ->group(group);
    app.add_flag_callback("--wait", mode(Mode::wait),
                          "Run nothing: wait until no command holds or waits for the semaphore; exit with "
                          "the number of background commands that failed since the last --wait")
        ->excludes(fg)
        ->excludes(bg)
        ->group(group);
    add_value(app, "--semaphoretimeout,--semaphore-timeout,--st", "SECS",
              "Wait at most SECS for a slot (1.5s, 2m...), then run anyway; -SECS: then exit 1",
              [&parsed, &settings](const std::string& text) {
                  parsed.semaphore = true;
                  settings.timeout = parse_semaphore_timeout(text);
              })
        ->group(group);
}

void add_other_options(CLI::App& app, ParsedOptions& parsed)
{
    app.add_flag("-V,--version", parsed.version, "Print the version and exit");
    app.add_flag("--will-cite,--no-notice")
        ->description("Accepted for GNU parallel: fanout prints no citation notice");
    add_value(app, "--tmpdir,--tempdir", "DIR", "Put temp files in DIR, and set TMPDIR to DIR for the jobs",
              [&parsed](const std::string& dir) {
                  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
                      throw Error(os_error("--tmpdir: " + dir));
                  }
                  parsed.options.tmpdir = dir;
              });
}

// CLI11 checks each new option against every one before it: setting up all of them
// cost more than the rest of start-up together. So a group is set up only when the
// command line names one of its options (see OptionWords), and all for --help. The
// lists must name every option of their group: unlisted_option_names() checks them.
struct OptionGroup {
    std::string_view names;
    void (*add)(CLI::App&, ParsedOptions&);
};

constexpr OptionGroup k_groups[] = {
    {"-a --arg-file -0 --null -d --delimiter -C --colsep --csv --trim --link --xapply -E -e --eof -r "
     "--no-run-if-empty",
     add_input_options},
    {"-I -i --replace --er --extensionreplace --bnr --basenamereplace --dnr --dirnamereplace --bner "
     "--basenameextensionreplace --seqreplace --slotreplace --rpl -L -l --max-lines -n --max-args -N "
     "--max-replace-args -X -m "
     "--xargs -s --max-chars -q --quote --shell --plus",
     add_command_options},
    {"-j -P --jobs --max-procs --process-slot-var --load --memfree --jobserver --no-jobserver "
     "--serve-jobserver --dry-run "
     "--dryrun -t --verbose "
     "--timeout --termseq "
     "--term-seq --retries --delay --halt --halt-on-error",
     add_run_options},
    {"--group -k --keep-order --line-buffer --lb --linebuffer -u --ungroup --color --colour --tag "
     "--tagstring",
     add_output_options},
    {"--joblog --jl --resume --resume-failed --results --res --results-output --files --output-as-files "
     "--outputasfiles --junit --progress --bar --eta",
     add_report_options},
    {"--pipe --spreadstdin --block --block-size --recend --recstart --regexp --regex --header --round-robin "
     "--roundrobin --round --tasks",
     add_stream_options},
    {"-S --sshlogin --sshloginfile --slf --ssh --env --workdir --wd --transferfile --tf --transfer --return "
     "--cleanup --trc",
     add_remote_options},
    {"--slurm --cpus-per-task --slurm-worker", add_slurm_options},
    {"--semaphore --sem --semaphorename --semaphore-name --id --fg --bg --wait --semaphoretimeout "
     "--semaphore-timeout --st",
     add_semaphore_options},
    {"-V --version --will-cite --no-notice --tmpdir --tempdir", add_other_options},
};

// Conflicts between options of different groups, where both groups are set up.
void add_cross_group_conflicts(CLI::App& app)
{
    // A jobserver's tokens are bytes in a pipe here: jobs on other hosts cannot reach it.
    if (CLI::Option* serve = app.get_option_no_throw("--serve-jobserver")) {
        for (const char* name : {"--sshlogin", "--sshloginfile"}) {
            if (CLI::Option* other = app.get_option_no_throw(name)) {
                serve->excludes(other);
            }
        }
    }
    CLI::Option* tasks = app.get_option_no_throw("--tasks");
    if (tasks == nullptr) {
        return;
    }
    // Each task names its own command: nothing may shape one from input records.
    for (const char* name : {"--max-args", "-N", "-X", "-m", "--xargs", "--colsep"}) {
        if (CLI::Option* other = app.get_option_no_throw(name)) {
            tasks->excludes(other);
        }
    }
}

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

} // namespace

void set_up_options(CLI::App& app, ParsedOptions& parsed, const OptionWords* words)
{
    app.name("fanout");
    app.description("fanout: run commands in parallel, one per input record");
    app.formatter(std::make_shared<HelpFormatter>());
    app.footer(k_footer);
    app.get_formatter()->column_width(32);
    // As GNU parallel: a single-value option given twice takes the last value (-j 2 -j 3
    // is -j 3); the repeatable ones (add_list) say TakeAll themselves.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    for (const OptionGroup& group : k_groups) {
        if (words == nullptr || names_any(group.names, *words)) {
            group.add(app, parsed);
        }
    }
    add_cross_group_conflicts(app);
    for (CLI::Option* option : app.get_options()) {
        if (option->get_expected_max() == 0) {
            option->disable_flag_override(); // --tag=false would be silently true
        }
    }
    app.prefix_command();
}

std::vector<std::string> unlisted_option_names()
{
    std::vector<std::string> unlisted;
    for (const OptionGroup& group : k_groups) {
        CLI::App app;
        ParsedOptions parsed;
        group.add(app, parsed);
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

} // namespace fanout
