// ResultsTree: --results DIR (GNU parallel's tree, DIR/1/<value>/.../seq, stdout and
// stderr), --results with replacement strings in the name, and --files (each job's
// stdout in a temp file that stays, whose name is printed instead).
#pragma once

#include "fd.hpp"
#include "report.hpp"

#include <array>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace fanout {

struct ResultsTreeSettings {
    std::optional<std::string> root; // --results NAME; none: --files alone
    // NAME holds replacement strings: each job's JobRecord::results_path says where its
    // files go; else NAME is the root of GNU parallel's tree.
    bool templated = false;
    bool print_names = false;              // --files: print the stdout file's name
    std::size_t values_per_record = 0;     // jobs of several records (-n, -X): each one's values; else 0
    std::vector<std::string> column_names; // --header: they name the tree's levels
};

class ResultsTree : public Report {
public:
    // Makes the root directory of a plain --results DIR now, so a bad one fails before
    // any job; throws Error naming it.
    explicit ResultsTree(ResultsTreeSettings settings);
    void job_finished(const JobRecord& job) override;
    [[nodiscard]] bool takes_stream(Stream stream) const override
    {
        return m_settings.root || stream == Stream::out;
    }
    void attempt_started(const JobRecord& job) override;
    void attempt_output(std::uint64_t seq, Stream stream, std::string_view data) override;
    [[nodiscard]] std::string stdout_in_place(const JobRecord& job) const override;

private:
    // A job's open files; names as printed and in messages.
    struct JobFiles {
        std::array<Fd, 2> file;
        std::array<std::string, 2> name;
    };

    [[nodiscard]] JobFiles open_files(const JobRecord& job) const;
    [[nodiscard]] JobFiles open_in_tree(const JobRecord& job) const;
    [[nodiscard]] JobFiles open_from_template(const JobRecord& job, const std::string& path) const;

    ResultsTreeSettings m_settings;
    std::unordered_map<std::uint64_t, JobFiles> m_jobs;
};

} // namespace fanout
