// CommandTemplate: a command line with replacement strings, expanded once per job.
#pragma once

#include "exported_functions.hpp"
#include "perl_expressions.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fanout {

enum class Modifier { none, no_extension, basename, dirname, basename_no_extension };

class ValueTransform; // a --plus string's work on one value (plus_strings.hpp)

// --plus's {choose_k} and {uniq}: a job whose arguments break the rule does not run.
enum class SkipRule { none, unless_increasing, unless_unique };

// One replacement string: {} (all args), {N} (the N-th arg), {#}, {%}, --plus's {##}, or
// a perl expression {= =} / {=N =} (an --rpl tag is one too).
struct Replacement {
    enum class Kind { all_args, positional, seq, slot, total_jobs, perl };
    Kind kind = Kind::all_args;
    std::size_t index = 0; // positional: 1-based; perl: 0 for each argument, else as positional
    Modifier modifier = Modifier::none;
    bool implicit = false;      // appended because the command had no replacement string
    bool from_end = false;      // {-N}: the N-th argument from the last, as in GNU parallel
    std::size_t expression = 0; // perl: its index in PerlExpressions
    std::shared_ptr<const ValueTransform> transform; // --plus: replaces `modifier` when set
    bool zero_pad = false;                           // {0#} {0%}: padded with zeros as GNU parallel pads them
    SkipRule skip = SkipRule::none;
};

// What the replacement strings of a text ask beyond values: the number of jobs ({##},
// {0#}), and the rules that keep a job from running ({choose_k}, {uniq}).
struct TemplateNeeds {
    bool total_jobs = false;
    bool increasing = false;
    bool unique = false;
    TemplateNeeds& operator|=(const TemplateNeeds& other);
};

// Whether GNU parallel's skip() drops a job with these arguments: {choose_k} unless each
// argument sorts (bytewise) after the one before; {uniq} when two are equal, or one is
// empty (GNU counts the arguments with an undefined first, which collides with "").
bool skips(const TemplateNeeds& needs, const std::vector<std::string>& args);

using Piece = std::variant<std::string, Replacement>;

// A whitespace-separated word of the command, and the whitespace that followed it.
struct Word {
    std::vector<Piece> pieces;
    std::string separator;
};

// How much of the kernel's argument space an argv takes: the bytes of all strings with
// their NULs, how many strings, and the length of the longest.
struct ArgvSize {
    std::size_t bytes = 0;
    std::size_t count = 0;
    std::size_t longest = 0;
};

ArgvSize measure(const std::vector<std::string>& argv);

// What a job runs: argv (direct exec, or shell -c script) and how to show it.
struct Command {
    std::vector<std::string> argv;
    bool via_shell = false;
    std::string display;          // the command as a shell would read it
    std::vector<std::string> env; // NAME=value, added to the job's environment
    std::string cwd;              // where it starts; empty: our directory
    bool make_cwd = false;        // --workdir: cwd is made (mkdir -p) when missing (here or on the host)
    std::shared_ptr<const std::string> input; // written to its stdin, then EOF
    bool stream_input = false;                // stdin stays open for Runner::feed()
    std::vector<std::string> transfer_files;  // --transferfile: sent to a remote host first
    std::vector<std::string> return_files;    // --return: fetched from it afterwards
    std::string results_path;                 // --results NAME with replacement strings, filled in
};

// The values one job substitutes.
struct JobValues {
    JobValues(const std::vector<std::string>& job_args, std::size_t job_seq, std::size_t job_slot,
              std::optional<std::size_t> jobs = std::nullopt, std::size_t slots = 1)
        : args(job_args), seq(job_seq), slot(job_slot), total_jobs(jobs), slot_count(slots)
    {
    }

    const std::vector<std::string>& args;
    std::size_t seq = 0;
    std::size_t slot = 0;
    std::optional<std::size_t> total_jobs; // {##}, total_jobs(): known when the input was read ahead
    std::size_t slot_count = 1;            // {0%} pads to its width
    const PerlResults* perl = nullptr;     // the values of its perl expressions, evaluated first
};

// How the replacement strings are spelled: -I, --er, --bnr, --dnr, --bner, --seqreplace
// and --slotreplace rename them. A name of the form {X} also has positional forms {NX}.
struct ReplacementNames {
    std::string all = "{}";
    std::string no_extension = "{.}";
    std::string basename = "{/}";
    std::string dirname = "{//}";
    std::string basename_no_extension = "{/.}";
    std::string seq = "{#}";
    std::string slot = "{%}";
    std::vector<RplTag> rpl{}; // --rpl
    // Where parsing puts {= =} expressions (and --rpl tags' code): shared by every copy.
    std::shared_ptr<PerlExpressions> perl = std::make_shared<PerlExpressions>();
    bool plus = false; // --plus: GNU parallel's {+/} {..} {##} {:-x} {/re/str}... as well
};

struct TemplateSyntax {
    ReplacementNames names;
    bool quote_command = false;   // -q: the words are argv as they are
    bool context_replace = false; // -X
    bool append_args = true;      // append {} when the command has none
    std::string shell = "/bin/sh";
    bool force_shell = false; // --shell: every command runs through `shell`, as GNU parallel's do
    ExportedFunctions functions;
    std::string function_shell; // runs a command that starts with one of `functions`; empty: none
};

// Whether a command whose first word is `first` must run through function_shell:
// `first` names an exported bash function and there is a bash to run it.
bool runs_as_function(std::string_view first, const TemplateSyntax& syntax);

class CommandTemplate {
public:
    // Parses the command words. Throws Error on an unterminated replacement string, and
    // when the first word names an exported bash function but there is no bash.
    CommandTemplate(const std::vector<std::string>& words, TemplateSyntax syntax);

    // values.perl must hold the values of perl_calls() for the job.
    [[nodiscard]] Command expand(const JobValues& values) const;
    // Appends the perl evaluations a job with `arg_count` arguments needs, in order.
    void perl_calls(std::size_t arg_count, std::vector<PerlCall>& calls) const;
    // May need: values that are command-line text decide only when filled in.
    [[nodiscard]] bool needs_shell() const { return m_needs_shell || m_values_unquoted; }
    [[nodiscard]] bool has_perl() const { return m_has_perl; }
    [[nodiscard]] TemplateNeeds needs() const;

    // The size of the expanded argv with no arguments, and with one more argument
    // (index is 0-based) added to a size: never less than the real size, except with
    // -X when {N} stands in the word that {} repeats (the Batcher checks batches).
    [[nodiscard]] ArgvSize base_size(std::size_t seq) const;
    [[nodiscard]] ArgvSize add_arg(ArgvSize size, std::size_t index, std::string_view value) const;

private:
    static void append_word(std::string& out, const Word& word, const JobValues& values, bool quote);
    [[nodiscard]] std::vector<Word> context_words(const JobValues& values) const;
    void expand_direct(const std::vector<Word>& words, std::vector<std::string>& argv,
                       const JobValues& values) const;

    std::vector<Word> m_words;
    TemplateSyntax m_syntax;
    bool m_needs_shell = false;
    bool m_has_perl = false;          // holds {= =} or an --rpl tag
    std::string m_shell;              // the shell that runs it, when it needs one
    bool m_first_word_varies = false; // the first word holds a replacement string
    bool m_values_unquoted = false;   // ...at its start, as GNU reads it: values go in as text
};

// A text with replacement strings whose values go in as they are, unquoted
// (--tagstring, --workdir, --results, --transferfile, --return): parsed once.
class PlainTemplate {
public:
    // Throws Error when it is malformed; its {= =} expressions join names.perl.
    // context_replace (-X): a blank-separated part holding {} is repeated for each
    // argument, as in the command.
    PlainTemplate(std::string text, const ReplacementNames& names, bool context_replace = false);

    // values.perl must hold the values of perl_calls() for the job.
    [[nodiscard]] std::string expand(const JobValues& values) const;
    // Appends the perl evaluations expand() needs for `arg_count` arguments, in order.
    void perl_calls(std::size_t arg_count, std::vector<PerlCall>& calls) const;
    [[nodiscard]] TemplateNeeds needs() const;
    [[nodiscard]] bool has_replacements() const;
    [[nodiscard]] bool has_perl() const;
    [[nodiscard]] const std::string& text() const { return m_text; }

private:
    std::string m_text;
    std::vector<Word> m_words;
    bool m_context_replace = false;
};

// Applies {.} {/} {//} {/.} to one value.
std::string apply_modifier(std::string_view value, Modifier modifier);

// Applies a replacement's --plus transform, or its modifier, to one value.
std::string transform_value(std::string_view value, const Replacement& r);

// True when a command line needs a shell: metacharacters, or a shell keyword first.
bool text_needs_shell(std::string_view text);

// Runs one task-list line (a record that is itself a command): directly when it needs
// no shell, else through syntax.shell (or function_shell, for an exported function).
Command command_from_line(const std::string& line, const TemplateSyntax& syntax);

} // namespace fanout
