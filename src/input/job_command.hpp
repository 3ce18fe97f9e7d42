// JobCommand: what a job runs and how it is tagged, from its JobSpec and slot.
#pragma once

#include "arg_limits.hpp"
#include "command_template.hpp"
#include "job.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fanout {

// Why a job cannot be run at all.
struct CannotRun {
    std::string message;
    int exit_code;
    std::string results_path{}; // as Command::results_path (its message goes there)
};

// A perl expression of the job called skip(): it is not run, as in GNU parallel.
struct Skipped {
    std::string display;      // the command it would have run
    std::string results_path; // as Command::results_path
};

struct CommandSettings {
    std::vector<std::string> command; // empty: each record is a command
    TemplateSyntax syntax;
    bool tag = false;
    std::optional<std::string> tagstring;
    std::vector<std::string> transfer_files; // templates, for remote jobs
    std::vector<std::string> return_files;
    std::optional<std::string> workdir; // --workdir of local jobs: a template, made if missing
    std::optional<std::string> results; // --results NAME with replacement strings: each job's files
    bool tag_per_line = false;          // --line-buffer: a tag's perl expressions run for each line, uncached
};

class JobCommand {
public:
    // Throws Error when the command or --tagstring is malformed.
    JobCommand(const CommandSettings& settings, ArgLimits limits);

    [[nodiscard]] std::variant<Command, CannotRun, Skipped> build(const JobSpec& job, std::size_t slot) const;
    [[nodiscard]] std::string tag(const JobSpec& job, std::size_t slot) const;
    // Whether each line of a job's output needs tag() again: --line-buffer and perl
    // expressions in --tagstring (GNU parallel evaluates them for each line there).
    [[nodiscard]] bool tag_per_line() const { return m_tag_per_line; }

    // The {= =} expressions of the command and the other templates, and what evaluates
    // them (set before the first job when there are any; not owned).
    [[nodiscard]] const PerlExpressions& perl_expressions() const { return *m_names.perl; }
    void set_perl(PerlEvaluator* perl) { m_perl = perl; }
    // Whether a replacement string or a perl expression (total_jobs()) needs the number of
    // jobs ({##}, {0#}) before the first.
    [[nodiscard]] bool needs_total_jobs() const { return m_needs.total_jobs; }
    // Whether {choose_k} or {uniq} keep this job from running, as GNU's skip().
    [[nodiscard]] bool skips(const JobSpec& job) const { return fanout::skips(m_needs, job.args); }
    // What {##} {0#} {0%} count to: every job's number (once read ahead) and the slots.
    void set_counts(std::optional<std::size_t> total_jobs, std::size_t slot_count)
    {
        m_total_jobs = total_jobs;
        m_slot_count = slot_count;
    }

    // Whether --results NAME holds replacement strings: then each job's Command says
    // where its files go.
    [[nodiscard]] bool results_vary() const { return m_results && m_results->has_replacements(); }

    // The template, or null in task-list mode (each record is a command).
    [[nodiscard]] const CommandTemplate* command_template() const
    {
        return m_template ? &*m_template : nullptr;
    }

private:
    [[nodiscard]] CannotRun too_long(const JobSpec& job, const ArgvSize& size) const;
    [[nodiscard]] std::variant<Command, CannotRun> task_command(const Task& task) const;
    [[nodiscard]] PerlResults evaluate_perl(const JobValues& values, const std::vector<PerlCall>& calls,
                                            bool last) const;
    void files_perl_calls(std::size_t arg_count, std::vector<PerlCall>& calls) const;
    void add_files(Command& command, const JobValues& values) const;
    // --results NAME filled in with values (their perl expressions evaluated); empty without one.
    [[nodiscard]] std::string results_name(const JobValues& values) const;
    // The same for a job none of whose expressions were evaluated (its record is unusable).
    [[nodiscard]] std::string results_path(const JobSpec& job, std::size_t slot) const;
    [[nodiscard]] std::vector<const PlainTemplate*> plain_templates() const;
    [[nodiscard]] JobValues values_of(const JobSpec& job, std::size_t slot) const;

    std::optional<CommandTemplate> m_template;
    TemplateSyntax m_syntax; // how task lines run
    ArgLimits m_limits;
    bool m_tag = false;
    bool m_tag_per_line = false;
    ReplacementNames m_names;
    std::optional<PlainTemplate> m_tagstring;
    std::vector<PlainTemplate> m_transfer_files; // for remote jobs
    std::vector<PlainTemplate> m_return_files;
    std::optional<PlainTemplate> m_workdir;
    std::optional<PlainTemplate> m_results;
    PerlEvaluator* m_perl = nullptr;
    TemplateNeeds m_needs;
    std::optional<std::size_t> m_total_jobs;
    std::size_t m_slot_count = 1;
};

} // namespace fanout
