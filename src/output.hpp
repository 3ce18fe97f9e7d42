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
    // Drops what the job's current attempt wrote and is still held (it will run again).
    void job_discard(std::uint64_t seq);
    // Jobs may run again (--retries): -k then holds even the oldest job's output until
    // it ends, so a failed attempt's output can be dropped.
    void set_hold_oldest(bool hold) { m_hold_oldest = hold; }

    // A line of fanout's own about no job in particular (e.g. -t), on stderr now.
    void say(std::string_view line);

    // A status line on stderr (progress), replaced by the next one; any other output
    // first clears it, so it never mixes with a job's lines.
    void show_status(std::string_view line);
    void clear_status();

    // True when jobs' output must come through pipes (everything but plain -u).
    [[nodiscard]] bool needs_capture() const { return m_mode != OutputMode::ungroup || m_tagged; }
    void set_tagged(bool tagged) { m_tagged = tagged; }
    // Colours for --tag prefixes (stdout) and fanout's own alerts (stderr).
    void set_colors(bool out, bool err)
    {
        m_color_out = out;
        m_color_err = err;
    }
    // A line of fanout's own that calls for attention (red when colours are on).
    void alert(std::string_view line);

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
    bool m_status_shown = false;
    bool m_hold_oldest = false;
    bool m_color_out = false;
    bool m_color_err = false;
    MemoryBudget m_budget;
    std::map<std::uint64_t, JobOutput> m_jobs;
    std::uint64_t m_next_in_order = 1; // -k: the job whose output goes out live
};

} // namespace fanout
