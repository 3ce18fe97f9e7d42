// Output: owns every byte fanout writes to stdout and stderr, and the order jobs'
// output appears in (--group, -k, --line-buffer, -u, --tag). It never blocks: what
// the reader does not take yet waits in a queue (spilled to a temp file when large).
#pragma once

#include "output_buffer.hpp"
#include "sink.hpp"
#include "stream.hpp"
#include "waitable.hpp"

#include <poll.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// How jobs' output is put together: whole per job as each ends (--group), whole in
// input order (-k), line by line (--line-buffer), or as it comes (-u).
enum class OutputMode { group, keep_order, line_buffer, ungroup };

class Output : public Waitable {
public:
    Output(OutputMode mode, int out_fd = 1, int err_fd = 2);

    // Jobs are known by their sequence numbers, which must be 1, 2, 3... with none left
    // out: -k prints in that order. `tag` prefixes each of the job's lines; `retag`,
    // when given, makes each line's prefix instead (GNU parallel's --line-buffer
    // evaluates the perl expressions of a tag again for each line).
    using Retag = std::function<std::string()>;
    void job_started(std::uint64_t seq, std::string tag, Retag retag = {});
    void job_output(std::uint64_t seq, Stream stream, std::string_view data);
    // The job wrote its last byte; next_delivered() names it once the reader has it
    // all. `epilogue` (a report's line) goes to stdout right after its output.
    void job_finished(std::uint64_t seq, std::string epilogue = {});
    // Drops what the job's current attempt wrote and is still held (it will run again).
    void job_discard(std::uint64_t seq);
    // Jobs may run again (--retries): -k then holds even the oldest job's output until
    // it ends, so a failed attempt's output can be dropped.
    void set_hold_oldest(bool hold) { m_hold_oldest = hold; }

    // A finished job whose every byte our stdout and stderr have taken, in the order
    // they finished being written; false when there is none (yet).
    bool next_delivered(std::uint64_t& seq);

    // A line of fanout's own about no job in particular (e.g. -t), on stderr.
    void say(std::string_view line);

    // A status line on stderr (progress), replaced by the next one; any other output
    // first clears it, so it never mixes with a job's lines. Skipped while stderr is
    // backed up: a newer one will come.
    void show_status(std::string_view line);
    void clear_status();

    // The event loop's part: descriptors to poll (POLLOUT while bytes wait, and always
    // for POLLERR: the reader left); then what poll said, which writes what the readers
    // take. Throws BrokenPipe once a reader is gone.
    void add_watches(std::vector<pollfd>& fds) const override;
    void on_polled(std::span<const pollfd> polled) override;
    // True when nothing waits to be written.
    [[nodiscard]] bool idle() const;
    // Held output is past its memory because no temp file could take it: start no
    // more jobs until it drains.
    [[nodiscard]] bool congested() const { return m_budget.over(); }

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
        JobOutput(std::string t, MemoryBudget& budget)
            : tag(std::move(t)), held{OutputBuffer(budget), OutputBuffer(budget)}, partial{
                                                                                       OutputBuffer(budget),
                                                                                       OutputBuffer(budget)}
        {
        }

        std::string tag;
        Retag retag;
        OutputBuffer held[2];
        OutputBuffer partial[2]; // --line-buffer: the unfinished last line
        bool at_line_start[2] = {true, true};
        bool finished = false;
        std::string epilogue;
    };
    // Where the queues stood after a finished job's last byte.
    struct Delivery {
        std::uint64_t seq;
        std::uint64_t out;
        std::uint64_t err;
    };

    Sink& sink(Stream stream) { return stream == Stream::out || !m_err ? m_out : *m_err; }
    [[nodiscard]] const Sink& err_sink() const { return m_err ? *m_err : m_out; }
    void emit(Stream stream, std::string_view data);
    void emit_lines(JobOutput& job, Stream stream, std::string_view data);
    void flush_held(JobOutput& job);
    void delivered_when_written(std::uint64_t seq);
    void advance_keep_order();
    void warn_if_spilling_failed();
    std::string tagged(std::uint64_t seq, JobOutput& job, Stream stream, std::string_view data);
    [[nodiscard]] std::string colored_tag(std::uint64_t seq, std::string tag) const;

    OutputMode m_mode;
    bool m_tagged = false;
    bool m_status_shown = false;
    bool m_hold_oldest = false;
    bool m_color_out = false;
    bool m_color_err = false;
    bool m_spill_warned = false;
    MemoryBudget m_budget;
    Sink m_out;
    std::optional<Sink> m_err; // none when stderr is the same pipe as stdout: one queue keeps their order
    std::map<std::uint64_t, JobOutput> m_jobs;
    std::uint64_t m_next_in_order = 1; // -k: the job whose output goes out live
    std::deque<Delivery> m_deliveries;
};

} // namespace fanout
