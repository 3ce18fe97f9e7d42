#include "batcher.hpp"

#include <algorithm>
#include <limits>

namespace fanout {

Batcher::Batcher(Input& input, const CommandTemplate* command, BatchRules rules, ArgLimits limits)
    : m_input(input), m_command(command), m_rules(rules), m_limits(limits)
{
}

ReadStatus Batcher::next(JobSpec& job, bool may_block)
{
    if (batching()) {
        return next_batch(job, may_block);
    }
    ReadStatus status = m_input.next(m_record, may_block);
    if (status != ReadStatus::record) {
        return status;
    }
    job.seq = ++m_seq;
    job.args.clear();
    if (!m_rules.drop_args) {
        job.args.swap(m_record.columns);
    }
    job.origin = m_record.origin();
    job.too_long = false;
    // -N 0 puts nothing of the record in the command, so a NUL byte in it cuts nothing.
    job.unusable = m_rules.drop_args ? std::string() : std::move(m_record.unusable);
    return status;
}

// The size estimate is an upper bound for nearly every template; this makes sure of
// it by expanding once and giving trailing records back until the command fits.
void Batcher::shrink_to_fit()
{
    constexpr std::size_t k_widest_slot = std::numeric_limits<std::size_t>::max();
    if (m_command->has_perl()) {
        return; // perl values are not known yet: JobCommand::build() checks the real length
    }
    while (m_batch_records > 1) {
        Command command = m_command->expand(JobValues{m_batch.args, m_seq + 1, k_widest_slot});
        if (m_limits.fits(measure(command.argv))) {
            return;
        }
        if (m_pending) { // it was read after the batch's records, so it goes back after them
            m_returned.push_front(std::move(m_record));
            m_pending = false;
        }
        return_last_record();
    }
}

// Takes the batch's last record out of it, to be read again first.
void Batcher::return_last_record()
{
    Record back;
    std::size_t columns = m_record_columns.back();
    back.columns.assign(std::make_move_iterator(m_batch.args.end() - static_cast<std::ptrdiff_t>(columns)),
                        std::make_move_iterator(m_batch.args.end()));
    m_batch.args.resize(m_batch.args.size() - columns);
    m_record_columns.pop_back();
    --m_batch_records;
    m_returned.push_front(std::move(back));
}

// GNU parallel's rule: ceil(records / slots) records per job from here on; the rest of
// this batch goes back to be read again.
void Batcher::spread()
{
    m_spread = true;
    if (!m_rules.spread || m_batch_records <= 1) {
        return;
    }
    std::size_t per_job = (m_batch_records + m_slots - 1) / std::max<std::size_t>(m_slots, 1);
    m_rules.max_records = per_job;
    while (m_batch_records > per_job) {
        return_last_record();
    }
}

void Batcher::emit(JobSpec& job)
{
    m_full = false;
    shrink_to_fit();
    job = std::move(m_batch);
    job.seq = ++m_seq;
    m_batch = JobSpec{};
    m_batch_records = 0;
    m_record_columns.clear();
}

// The next record: one given back by the last batch, else from the input.
ReadStatus Batcher::take_record(bool may_block)
{
    if (!m_returned.empty()) {
        m_record.columns = std::move(m_returned.front().columns);
        m_record.unusable = std::move(m_returned.front().unusable);
        m_returned.pop_front();
        return ReadStatus::record;
    }
    return m_input.next(m_record, may_block);
}

ReadStatus Batcher::next_batch(JobSpec& job, bool may_block)
{
    while (true) {
        if (!m_pending) {
            ReadStatus status = take_record(may_block);
            if (status == ReadStatus::would_block || (status == ReadStatus::end && m_batch_records == 0)) {
                return status;
            }
            if (status == ReadStatus::end) {
                if (!m_spread) {
                    spread();
                }
                emit(job);
                return ReadStatus::record;
            }
            m_pending = true;
            if (m_full) { // more input: the full batch goes as it is
                emit(job);
                return ReadStatus::record;
            }
        }
        if (m_batch_records == 0) {
            m_batch_size = m_command->base_size(m_seq + 1);
        }
        ArgvSize size = m_batch_size;
        for (std::size_t i = 0; i < m_record.columns.size(); ++i) {
            size = m_command->add_arg(size, m_batch.args.size() + i, m_record.columns[i]);
        }
        bool alone = !m_record.unusable.empty() || !m_limits.fits(size);
        if (alone && m_batch_records > 0) {
            emit(job); // the pending record starts the next job
            return ReadStatus::record;
        }
        if (alone) { // a job of its own that reports why it cannot run
            m_batch.too_long = m_record.unusable.empty();
            m_batch.unusable = std::move(m_record.unusable);
            size = m_batch_size;
        }
        if (m_batch_records == 0) {
            m_batch.origin = m_record.origin();
        }
        m_record_columns.push_back(m_record.columns.size());
        for (auto& column : m_record.columns) {
            m_batch.args.push_back(std::move(column));
        }
        m_pending = false;
        m_batch_size = size;
        ++m_batch_records;
        if (alone || (m_batch_records == m_rules.max_records && (m_spread || !m_rules.spread))) {
            emit(job);
            return ReadStatus::record;
        }
        m_full = m_batch_records == m_rules.max_records; // -n with -X: does input end here?
    }
}

} // namespace fanout
