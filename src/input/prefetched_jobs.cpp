#include "prefetched_jobs.hpp"

namespace fanout {

PrefetchedJobs::PrefetchedJobs(JobSource& source) : m_source(source)
{
    JobSpec job;
    while (m_source.next(job, true) == ReadStatus::record) {
        m_jobs.push_back(std::move(job));
        job = JobSpec{};
    }
    m_count = m_jobs.size();
}

ReadStatus PrefetchedJobs::next(JobSpec& job, bool /*may_block*/)
{
    if (m_jobs.empty()) {
        return ReadStatus::end;
    }
    job = std::move(m_jobs.front());
    m_jobs.pop_front();
    return ReadStatus::record;
}

} // namespace fanout
