// JobSource: where the scheduler takes its next job from (batched input records,
// --pipe blocks, or a JSON task list).
#pragma once

#include "job.hpp"
#include "record_reader.hpp"
#include "waitable.hpp"

namespace fanout {

class JobSource : public Waitable {
public:
    ~JobSource() override = default;

    // Stores the next job in `job`. When `may_block` is false and no whole job is
    // ready, returns would_block rather than wait.
    virtual ReadStatus next(JobSpec& job, bool may_block) = 0;

    // The descriptor to wait on after next() said would_block.
    [[nodiscard]] virtual int wait_fd() const = 0;

    // Waiting for it is waiting for wait_fd() to be readable.
    void add_watches(std::vector<pollfd>& fds) const final { fds.push_back({wait_fd(), POLLIN, 0}); }
};

} // namespace fanout
