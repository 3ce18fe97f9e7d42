// Batcher: groups input records into jobs (-n, -N, -X) so that no job's command line
// exceeds the system's limits.
#pragma once

#include "arg_limits.hpp"
#include "command_template.hpp"
#include "input.hpp"
#include "job_source.hpp"

#include <deque>

namespace fanout {

struct BatchRules {
    std::size_t max_records = 1; // 0: as many as fit
    bool drop_args = false;      // -N 0: one record per job, no arguments
    bool spread = false;         // -X, -m: spread the last records over the job slots
};

class Batcher : public JobSource {
public:
    // `command` may be null (each record is a command): then every record is a job.
    Batcher(Input& input, const CommandTemplate* command, BatchRules rules, ArgLimits limits);

    // With `spread`, the first batch that reaches the end of input is shared out over
    // `slots` jobs, and no later batch is larger, as GNU parallel's -X and -m do.
    void spread_over(std::size_t slots) { m_slots = slots; }

    ReadStatus next(JobSpec& job, bool may_block) override;
    [[nodiscard]] int wait_fd() const override { return m_input.wait_fd(); }

private:
    [[nodiscard]] bool batching() const
    {
        return m_command && (m_rules.max_records != 1 || m_rules.spread) && !m_rules.drop_args;
    }
    ReadStatus next_batch(JobSpec& job, bool may_block);
    ReadStatus take_record(bool may_block);
    void emit(JobSpec& job);
    void shrink_to_fit();
    void spread();
    void return_last_record();

    Input& m_input;
    const CommandTemplate* m_command;
    BatchRules m_rules;
    ArgLimits m_limits;
    std::uint64_t m_seq = 0;
    Record m_record;
    bool m_pending = false; // m_record is read but not yet in a job
    JobSpec m_batch;
    std::size_t m_batch_records = 0;
    std::vector<std::size_t> m_record_columns; // columns each batched record added
    std::deque<Record> m_returned;             // records a batch gave back, read first
    ArgvSize m_batch_size;
    std::size_t m_slots = 1;
    bool m_full = false;   // the batch has max_records: it waits to see whether input ends
    bool m_spread = false; // a batch has reached the end of input
};

} // namespace fanout
