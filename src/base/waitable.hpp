// Waitable: something the event loop waits for besides the jobs (input to read, a
// jobserver token, room in our stdout), so that whoever polls can wait for it without
// its descriptors passing through the scheduler.
#pragma once

#include <poll.h>

#include <cstddef>
#include <span>
#include <vector>

namespace fanout {

class Waitable {
public:
    virtual ~Waitable() = default;
    // Appends the descriptors to poll, with the events wanted.
    virtual void add_watches(std::vector<pollfd>& fds) const = 0;
    // What poll() said of the descriptors add_watches() gave, in the same order (revents
    // 0 when the poll was interrupted).
    virtual void on_polled(std::span<const pollfd> /*polled*/) {}
};

// Several waitables' descriptors within one poll() list.
class WatchList {
public:
    // Appends the watches of every one of `waitables` to `fds`.
    WatchList(std::span<Waitable* const> waitables, std::vector<pollfd>& fds);
    // Tells each waitable what poll() said of its descriptors in `fds`.
    void hand_back(std::span<const pollfd> fds) const;

private:
    std::span<Waitable* const> m_waitables;
    std::vector<std::size_t> m_ends; // where each waitable's descriptors end in `fds`
    std::size_t m_first = 0;
};

} // namespace fanout
