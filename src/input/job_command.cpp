#include "job_command.hpp"

#include "exit_codes.hpp"
#include "shell_quote.hpp"

namespace fanout {

JobCommand::JobCommand(const CommandSettings& settings, ArgLimits limits)
    : m_syntax(settings.syntax), m_limits(limits), m_tag(settings.tag), m_tagstring(settings.tagstring),
      m_names(settings.syntax.names), m_transfer_files(settings.transfer_files),
      m_return_files(settings.return_files), m_workdir(settings.workdir)
{
    if (!settings.command.empty()) {
        m_template.emplace(settings.command, settings.syntax);
        m_needs = m_template->needs();
    }
    for (const auto* text : {&m_tagstring, &m_workdir}) {
        if (*text) {
            m_needs |= needs_of(**text, m_names); // rejects a bad one now
        }
    }
    for (const auto* files : {&m_transfer_files, &m_return_files}) {
        for (const auto& file : *files) {
            m_needs |= needs_of(file, m_names);
        }
    }
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

std::variant<Command, CannotRun> JobCommand::build(const JobSpec& job, std::size_t slot) const
{
    if (!job.unusable.empty()) {
        return CannotRun{job.unusable, k_exit_cannot_run};
    }
    Command command;
    if (job.task) {
        auto built = task_command(*job.task);
        if (std::holds_alternative<CannotRun>(built)) {
            return built;
        }
        command = std::move(std::get<Command>(built));
    } else if (m_template) {
        command = m_template->expand(values_of(job, slot));
    } else {
        std::string line;
        for (const auto& arg : job.args) {
            line += line.empty() ? "" : " ";
            line += arg;
        }
        command = command_from_line(line, m_syntax);
    }
    ArgvSize size = measure(command.argv);
    if (job.too_long || !m_limits.fits(size)) {
        return too_long(job, size);
    }
    command.input = job.input;
    JobValues values = values_of(job, slot);
    for (const auto& file : m_transfer_files) {
        command.transfer_files.push_back(expand_plain(file, values, m_names));
    }
    for (const auto& file : m_return_files) {
        command.return_files.push_back(expand_plain(file, values, m_names));
    }
    if (m_workdir && command.cwd.empty()) { // a task's own "cwd" comes first
        command.cwd = expand_plain(*m_workdir, values, m_names);
        command.make_cwd = true;
    }
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
        return expand_plain(*m_tagstring, values_of(job, slot), m_names) + "\t";
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
