// Semaphore: a named counting semaphore (GNU sem) whose slots are files locked with
// flock(), so the kernel frees a slot when its holder dies by any means, SIGKILL too.
#pragma once

#include "duration.hpp"
#include "fd.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fanout {

// --semaphoretimeout: how long to wait for a slot, and what then.
struct SemaphoreTimeout {
    Millis after{0};
    enum class Then { run_anyway, give_up } then = Then::run_anyway;
};

// "10", "1.5s", "2m": run anyway after that long; "-10": give up after 10 s; "0": wait
// for ever (nullopt), as GNU's. Throws Error naming --semaphoretimeout otherwise.
[[nodiscard]] std::optional<SemaphoreTimeout> parse_semaphore_timeout(std::string_view text);

// --semaphore (GNU sem): which semaphore, and what to do with it.
struct SemaphoreSettings {
    // --bg: run the command in a holder that outlives us; --fg: here, and exit with its
    // status; --wait: run nothing, wait until the semaphore is idle.
    enum class Mode { background, foreground, wait } mode = Mode::background;
    std::optional<std::string> name; // none: the terminal's, as GNU's
    std::optional<SemaphoreTimeout> timeout;
};

// A place in the semaphore, held until destroyed (or until the process that inherited
// it dies): a shared lock on the "members" file, which wait_idle() takes exclusively,
// and one slot, none when the timeout let it run anyway.
struct SemaphoreHold {
    Fd members;
    Fd members_marker; // open for writing: its last close wakes the waiters
    Fd slot;
    [[nodiscard]] bool has_slot() const { return slot.valid(); }
};

class Semaphore {
public:
    // The semaphore `name` of this user; see open_semaphore_dir().
    explicit Semaphore(std::string_view name);

    // Takes a free slot of slots 0..slots-1, waiting for one as long as `timeout` says;
    // nullopt when it gave up. Waiting counts as a member, so wait_idle() waits too.
    [[nodiscard]] std::optional<SemaphoreHold>
    take_slot(std::size_t slots, const std::optional<SemaphoreTimeout>& timeout) const;

    // Notes that a background command failed, for the next wait_idle() to count.
    void record_failure() const;

    // Waits until no one holds or waits for a slot (or `timeout` says to stop: then
    // nullopt when it gives up), and returns how many failures were recorded since the
    // last wait_idle(), forgetting them.
    [[nodiscard]] std::optional<std::size_t> wait_idle(const std::optional<SemaphoreTimeout>& timeout) const;

private:
    Fd m_dir;
};

} // namespace fanout
