#include "batcher.hpp"

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
    return status;
}

void Batcher::emit(JobSpec& job)
{
    job = std::move(m_batch);
    job.seq = ++m_seq;
    m_batch = JobSpec{};
    m_batch_records = 0;
}

ReadStatus Batcher::next_batch(JobSpec& job, bool may_block)
{
    while (true) {
        if (!m_pending) {
            ReadStatus status = m_input.next(m_record, may_block);
            if (status == ReadStatus::would_block || (status == ReadStatus::end && m_batch_records == 0)) {
                return status;
            }
            if (status == ReadStatus::end) {
                emit(job);
                return ReadStatus::record;
            }
            m_pending = true;
        }
        if (m_batch_records == 0) {
            m_batch_size = m_command->base_size(m_seq + 1);
        }
        ArgvSize size = m_batch_size;
        for (std::size_t i = 0; i < m_record.columns.size(); ++i) {
            size = m_command->add_arg(size, m_batch.args.size() + i, m_record.columns[i]);
        }
        if (!m_limits.fits(size)) {
            if (m_batch_records > 0) {
                emit(job); // the pending record starts the next job
                return ReadStatus::record;
            }
            m_batch.too_long = true; // it cannot fit even alone: a job that reports it
            size = m_batch_size;
        }
        if (m_batch_records == 0) {
            m_batch.origin = m_record.origin();
        }
        for (auto& column : m_record.columns) {
            m_batch.args.push_back(std::move(column));
        }
        m_pending = false;
        m_batch_size = size;
        ++m_batch_records;
        if (m_batch.too_long || m_batch_records == m_rules.max_records) {
            emit(job);
            return ReadStatus::record;
        }
    }
}

} // namespace fanout
