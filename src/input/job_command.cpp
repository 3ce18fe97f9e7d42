#include "job_command.hpp"

#include "error.hpp"
#include "exit_codes.hpp"
#include "shell_quote.hpp"

#include <algorithm>

namespace fanout {

namespace {

// -X repeats a part holding {} for each argument in these too, as GNU parallel does.
std::optional<PlainTemplate> plain(const std::optional<std::string>& text, const ReplacementNames& names,
                                   bool context_replace)
{
    return text ? std::optional<PlainTemplate>(std::in_place, *text, names, context_replace) : std::nullopt;
}

std::vector<PlainTemplate> plain(const std::vector<std::string>& texts, const ReplacementNames& names,
                                 bool context_replace)
{
    std::vector<PlainTemplate> out;
    out.reserve(texts.size());
    for (const auto& text : texts) {
        out.emplace_back(text, names, context_replace);
    }
    return out;
}

// GNU parallel's test for evaluating a --line-buffer tag again per line:
// /\{=.*\S+.*=\}/ on its text (perl's '.' stops at a newline). An --rpl tag alone
// (or {= =} with only blanks inside) keeps one value per job.
bool has_perl_braces(std::string_view text)
{
    auto blank = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    for (std::size_t open = text.find("{="); open != std::string_view::npos;
         open = text.find("{=", open + 1)) {
        bool filled = false;
        for (std::size_t i = open + 2; i < text.size() && text[i] != '\n'; ++i) {
            if (filled && text.substr(i, 2) == "=}") {
                return true;
            }
            filled = filled || !blank(text[i]);
        }
    }
    return false;
}

} // namespace

// The command is parsed first: its perl expressions are numbered first.
JobCommand::JobCommand(const CommandSettings& settings, ArgLimits limits)
    : m_template(settings.command.empty()
                     ? std::nullopt
                     : std::optional<CommandTemplate>(std::in_place, settings.command, settings.syntax)),
      m_syntax(settings.syntax), m_limits(limits), m_tag(settings.tag), m_names(settings.syntax.names),
      m_tagstring(plain(settings.tagstring, m_names, m_syntax.context_replace)),
      m_transfer_files(plain(settings.transfer_files, m_names, m_syntax.context_replace)),
      m_return_files(plain(settings.return_files, m_names, m_syntax.context_replace)),
      m_workdir(plain(settings.workdir, m_names, m_syntax.context_replace)),
      m_results(plain(settings.results, m_names, m_syntax.context_replace))
{
    if (m_template) {
        m_needs = m_template->needs();
    }
    m_tag_per_line = settings.tag_per_line && m_tagstring && m_tagstring->has_perl() &&
                     has_perl_braces(m_tagstring->text());
    for (const PlainTemplate* text : plain_templates()) {
        m_needs |= text->needs();
    }
    if (m_tagstring) {
        m_needs |= m_tagstring->needs();
    }
    // An expression that may call total_jobs() reads the input ahead, as {##} does.
    const auto& codes = m_names.perl->codes();
    m_needs.total_jobs = m_needs.total_jobs || std::any_of(codes.begin(), codes.end(), [](const auto& code) {
                             return code.find("total_jobs") != std::string::npos;
                         });
}

// The templates filled in with the command: --transferfile, --return, --workdir, and
// --results last (GNU parallel's own order between the name and the command varies
// from run to run).
std::vector<const PlainTemplate*> JobCommand::plain_templates() const
{
    std::vector<const PlainTemplate*> out;
    for (const auto* files : {&m_transfer_files, &m_return_files}) {
        for (const auto& file : *files) {
            out.push_back(&file);
        }
    }
    for (const auto* text : {&m_workdir, &m_results}) {
        if (*text) {
            out.push_back(&**text);
        }
    }
    return out;
}

void JobCommand::files_perl_calls(std::size_t arg_count, std::vector<PerlCall>& calls) const
{
    for (const PlainTemplate* text : plain_templates()) {
        text->perl_calls(arg_count, calls);
    }
}

PerlResults JobCommand::evaluate_perl(const JobValues& values, const std::vector<PerlCall>& calls,
                                      bool last) const
{
    if (calls.empty()) {
        return {};
    }
    if (m_perl == nullptr) {
        throw Error("internal error: perl expressions but no perl to evaluate them");
    }
    return m_perl->evaluate(PerlJob{values.args, values.seq, values.slot, values.total_jobs, last}, calls);
}

void JobCommand::add_files(Command& command, const JobValues& values) const
{
    for (const auto& file : m_transfer_files) {
        command.transfer_files.push_back(file.expand(values));
    }
    for (const auto& file : m_return_files) {
        command.return_files.push_back(file.expand(values));
    }
    if (m_workdir && command.cwd.empty()) { // a task's own "cwd" comes first
        command.cwd = m_workdir->expand(values);
        command.make_cwd = true;
    }
    command.results_path = results_name(values);
}

std::string JobCommand::results_name(const JobValues& values) const
{
    return m_results ? m_results->expand(values) : std::string();
}

std::string JobCommand::results_path(const JobSpec& job, std::size_t slot) const
{
    if (!m_results) {
        return {};
    }
    JobValues values = values_of(job, slot);
    PerlResults perl;
    if (!m_names.perl->empty()) {
        std::vector<PerlCall> calls;
        m_results->perl_calls(job.args.size(), calls);
        perl = evaluate_perl(values, calls, true); // the job's last use: a retry evaluates again
        values.perl = &perl;
    }
    return m_results->expand(values);
}

JobValues JobCommand::values_of(const JobSpec& job, std::size_t slot) const
{
    return JobValues{job.args, job.seq, slot, m_total_jobs, m_slot_count};
}

CannotRun JobCommand::too_long(const JobSpec& job, const ArgvSize& size) const
{
    bool one_word = size.longest >= m_limits.max_single;
    std::size_t bytes = one_word ? size.longest : size.bytes;
    std::size_t limit =
        one_word ? m_limits.max_single
                 : m_limits.max_chars.value_or(m_limits.max_bytes - (size.count + 1) * sizeof(char*));
    return CannotRun{"fanout: job " + std::to_string(job.seq) + " (" + job.origin +
                         "): command line too long (" + std::to_string(bytes) + " bytes; the limit is " +
                         std::to_string(limit) + ")",
                     k_exit_cannot_run};
}

// A task's own command: argv as it is, or a line as any other command line.
std::variant<Command, CannotRun> JobCommand::task_command(const Task& task) const
{
    if (!task.error.empty()) {
        return CannotRun{"fanout: " + task.error, k_exit_cannot_run};
    }
    Command command;
    if (task.argv.empty()) {
        command = command_from_line(task.line, m_syntax);
    } else {
        command.argv = task.argv;
        for (const auto& word : task.argv) {
            command.display += command.display.empty() ? "" : " ";
            append_shell_quoted(command.display, word);
        }
    }
    command.env = task.env;
    command.cwd = task.cwd;
    return command;
}

std::variant<Command, CannotRun, Skipped> JobCommand::build(const JobSpec& job, std::size_t slot) const
{
    if (!job.unusable.empty()) {
        return CannotRun{job.unusable, k_exit_cannot_run, results_path(job, slot)};
    }
    JobValues values = values_of(job, slot);
    PerlResults perl;
    // A task has no template, but its --results, --workdir... may hold expressions too.
    if (m_names.perl && !m_names.perl->empty()) {
        std::vector<PerlCall> calls;
        if (m_template && !job.task) {
            m_template->perl_calls(job.args.size(), calls);
        }
        files_perl_calls(job.args.size(), calls);
        perl = evaluate_perl(values, calls, true);
        values.perl = &perl;
        if (perl.any_nul()) { // an argv string would end at it
            return CannotRun{"fanout: job " + std::to_string(job.seq) + " (" + job.origin +
                                 "): a perl expression's value holds a NUL byte",
                             k_exit_cannot_run, results_name(values)};
        }
    }
    Command command;
    if (job.task) {
        auto built = task_command(*job.task);
        if (auto* why = std::get_if<CannotRun>(&built)) {
            why->results_path = results_name(values);
            return std::move(*why);
        }
        command = std::move(std::get<Command>(built));
    } else if (m_template) {
        command = m_template->expand(values);
    } else if (m_syntax.quote_command) {
        // -q: each value is one word of the command, as GNU parallel quotes it (so
        // "echo a" names a program), and no shell runs it, as with a command.
        command.argv = job.args;
        for (const auto& arg : job.args) {
            command.display += command.display.empty() ? "" : " ";
            append_shell_quoted(command.display, arg);
        }
    } else {
        std::string line; // each record is a command line
        for (const auto& arg : job.args) {
            line += line.empty() ? "" : " ";
            line += arg;
        }
        command = command_from_line(line, m_syntax);
    }
    // skip() in an expression, or --plus's {choose_k} or {uniq}: GNU parallel's skip().
    if (perl.skip || (!job.task && skips(job))) {
        return Skipped{command.display, results_name(values)};
    }
    ArgvSize size = measure(command.argv);
    if (job.too_long || !m_limits.fits(size)) {
        CannotRun why = too_long(job, size);
        why.results_path = results_name(values); // from this batch: not evaluated again
        return why;
    }
    command.input = job.input;
    add_files(command, values);
    return command;
}

std::string JobCommand::tag(const JobSpec& job, std::size_t slot) const
{
    if (job.task && job.task->tag) {
        return *job.task->tag + "\t";
    }
    if (job.task && !m_tagstring) {
        return m_tag ? job.task->id + "\t" : "";
    }
    if (m_tagstring) {
        JobValues values = values_of(job, slot);
        PerlResults perl;
        if (!m_names.perl->empty()) { // else no round trip to perl for nothing
            std::vector<PerlCall> calls;
            m_tagstring->perl_calls(job.args.size(), calls);
            // Per line, no value is kept for the next use: it is evaluated again.
            perl = evaluate_perl(values, calls, m_tag_per_line);
            values.perl = &perl;
        }
        return m_tagstring->expand(values) + "\t";
    }
    if (!m_tag) {
        return {};
    }
    std::string tag;
    for (const auto& arg : job.args) {
        tag += tag.empty() ? "" : " ";
        tag += arg;
    }
    return tag + "\t";
}

} // namespace fanout
