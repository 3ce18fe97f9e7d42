// Output: owns every byte fanout writes to stdout and stderr, and the order jobs'
// output appears in (--group, -k, --line-buffer, -u, --tag).
#pragma once

#include "options.hpp"
#include "output_buffer.hpp"
#include "process.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace fanout {

class Output {
public:
    Output(OutputMode mode, int out_fd = 1, int err_fd = 2);

    // Jobs are known by their sequence numbers, which must be 1, 2, 3... with none left
    // out: -k prints in that order. `tag` prefixes each of the job's lines.
    void job_started(std::uint64_t seq, std::string tag);
    void job_output(std::uint64_t seq, Stream stream, std::string_view data);
    void job_finished(std::uint64_t seq);

    // A line of fanout's own about no job in particular (e.g. -t), on stderr now.
    void say(std::string_view line);

    // True when jobs' output must come through pipes (everything but plain -u).
    [[nodiscard]] bool needs_capture() const { return m_mode != OutputMode::ungroup || m_tagged; }
    void set_tagged(bool tagged) { m_tagged = tagged; }

private:
    struct JobOutput {
        JobOutput(std::string t, MemoryBudget& budget) : tag(std::move(t)), held{OutputBuffer(budget), OutputBuffer(budget)} {}

        std::string tag;
        OutputBuffer held[2];
        std::string partial[2];    // --line-buffer: the unfinished last line
        bool at_line_start[2] = {true, true};
        bool finished = false;
    };

    [[nodiscard]] int fd_of(Stream stream) const { return stream == Stream::out ? m_out_fd : m_err_fd; }
    void emit(JobOutput& job, Stream stream, std::string_view data);
    void hold(JobOutput& job, Stream stream, std::string_view data);
    void emit_lines(JobOutput& job, Stream stream, std::string_view data);
    void flush_held(JobOutput& job);
    void advance_keep_order();
    std::string tagged(JobOutput& job, Stream stream, std::string_view data);

    OutputMode m_mode;
    int m_out_fd;
    int m_err_fd;
    bool m_tagged = false;
    MemoryBudget m_budget;
    std::map<std::uint64_t, JobOutput> m_jobs;
    std::uint64_t m_next_in_order = 1; // -k: the job whose output goes out live
};

} // namespace fanout
