// PrefetchedJobs: every job of another source read before the first starts, so that
// their number is known (--halt ...=N%, as GNU parallel, which reads all input first).
#pragma once

#include "job_source.hpp"

#include <deque>

namespace fanout {

class PrefetchedJobs : public JobSource {
public:
    // Reads all of `source` now, blocking until its input ends.
    explicit PrefetchedJobs(JobSource& source);

    [[nodiscard]] std::size_t count() const { return m_count; }

    ReadStatus next(JobSpec& job, bool may_block) override;
    [[nodiscard]] int wait_fd() const override { return m_source.wait_fd(); }

private:
    JobSource& m_source;
    std::deque<JobSpec> m_jobs;
    std::size_t m_count = 0;
};

} // namespace fanout
