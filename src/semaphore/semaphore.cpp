#include "semaphore.hpp"

#include "error.hpp"
#include "semaphore_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>

namespace fanout {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* k_members = "members";
constexpr const char* k_failure_prefix = "failed.";
constexpr Millis k_first_retry{2};
constexpr Millis k_last_retry{250};

Fd open_file(int dir, const std::string& name, int access)
{
    Fd file(::openat(dir, name.c_str(), access | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file) {
        throw Error(os_error("semaphore file " + name));
    }
    return file;
}

// flock(op | LOCK_NB): whether it took the lock.
bool try_lock(const Fd& file, int op)
{
    if (::flock(file.get(), op | LOCK_NB) == 0) {
        return true;
    }
    if (errno != EWOULDBLOCK && errno != EINTR) {
        throw Error(os_error("flock"));
    }
    return false;
}

// Wakes a waiter when a member of the semaphore ends: each keeps the members file open
// for writing, and the kernel reports its last close, death included. The report comes
// just before the kernel drops that member's locks, so a try that fails right after one
// tries again soon; without inotify the waiter only retries, slower.
class CloseWatch {
public:
    explicit CloseWatch(int dir) : m_inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK))
    {
        std::string path = "/proc/self/fd/" + std::to_string(dir);
        if (m_inotify && ::inotify_add_watch(m_inotify.get(), path.c_str(), IN_CLOSE_WRITE) < 0) {
            m_inotify.reset();
        }
    }

    // Waits up to `limit` for a close; whether one came.
    bool wait(Millis limit)
    {
        if (!m_inotify) {
            ::usleep(static_cast<useconds_t>(limit.count() * 1000));
            return false;
        }
        pollfd watched{m_inotify.get(), POLLIN, 0};
        int ready = ::poll(&watched, 1, static_cast<int>(limit.count()));
        if (ready <= 0) {
            return false;
        }
        std::array<char, 4096> events{};
        while (::read(m_inotify.get(), events.data(), events.size()) > 0) {
        }
        return true;
    }

private:
    Fd m_inotify;
};

// Calls `attempt` until it succeeds or the deadline passes; whether it succeeded.
bool retry_until(int dir, const std::function<bool()>& attempt, std::optional<Clock::time_point> deadline)
{
    CloseWatch watch(dir); // before the first attempt, so no close between is missed
    Millis retry = k_first_retry;
    while (!attempt()) {
        Millis step = retry;
        if (deadline) {
            auto left = std::chrono::ceil<Millis>(*deadline - Clock::now());
            if (left <= Millis{0}) {
                return false;
            }
            step = std::min(step, left);
        }
        retry = watch.wait(step) ? k_first_retry : std::min(retry * 2, k_last_retry);
    }
    return true;
}

std::optional<Clock::time_point> deadline_of(const std::optional<SemaphoreTimeout>& timeout)
{
    return timeout ? std::optional(Clock::now() + timeout->after) : std::nullopt;
}

// The shared lock every member holds, and its marker (see CloseWatch).
SemaphoreHold join(int dir)
{
    SemaphoreHold hold{open_file(dir, k_members, O_RDONLY), open_file(dir, k_members, O_WRONLY), Fd()};
    // Only wait_idle() takes it exclusively, and only for as long as it counts failures.
    while (::flock(hold.members.get(), LOCK_SH) != 0) {
        if (errno != EINTR) {
            throw Error(os_error("flock"));
        }
    }
    return hold;
}

} // namespace

std::optional<SemaphoreTimeout> parse_semaphore_timeout(std::string_view text)
{
    bool negative = text.starts_with('-');
    Millis after = parse_duration(negative ? text.substr(1) : text, "--semaphoretimeout");
    if (after == Millis{0}) {
        return std::nullopt;
    }
    using Then = SemaphoreTimeout::Then;
    return SemaphoreTimeout{after, negative ? Then::give_up : Then::run_anyway};
}

Semaphore::Semaphore(std::string_view name) : m_dir(open_semaphore_dir(name)) {}

std::optional<SemaphoreHold> Semaphore::take_slot(std::size_t slots,
                                                  const std::optional<SemaphoreTimeout>& timeout) const
{
    SemaphoreHold hold = join(m_dir.get());
    // Slot files are opened for reading only, so that a waiter's own tries wake no one.
    auto attempt = [this, slots, &hold] {
        for (std::size_t i = 0; i < slots; ++i) {
            Fd slot = open_file(m_dir.get(), "slot." + std::to_string(i), O_RDONLY);
            if (try_lock(slot, LOCK_EX)) {
                hold.slot = std::move(slot);
                return true;
            }
        }
        return false;
    };
    if (retry_until(m_dir.get(), attempt, deadline_of(timeout))) {
        return hold;
    }
    if (timeout->then == SemaphoreTimeout::Then::give_up) {
        return std::nullopt;
    }
    return hold; // as GNU's: run anyway, without a slot
}

void Semaphore::record_failure() const
{
    // One file per failure: created whole or not at all, whatever kills us after.
    for (unsigned attempt = 0;; ++attempt) {
        auto now = Clock::now().time_since_epoch().count();
        std::string name = k_failure_prefix + std::to_string(::getpid()) + "." + std::to_string(now) + "." +
                           std::to_string(attempt);
        Fd file(
            ::openat(m_dir.get(), name.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (file) {
            return;
        }
        if (errno != EEXIST) {
            throw Error(os_error("semaphore file " + name));
        }
    }
}

std::optional<std::size_t> Semaphore::wait_idle(const std::optional<SemaphoreTimeout>& timeout) const
{
    Fd members = open_file(m_dir.get(), k_members, O_RDONLY);
    bool idle = retry_until(
        m_dir.get(), [&members] { return try_lock(members, LOCK_EX); }, deadline_of(timeout));
    if (!idle && timeout->then == SemaphoreTimeout::Then::give_up) {
        return std::nullopt;
    }
    // Counted under the exclusive lock (when idle): no member can add one meanwhile.
    Fd listing(::openat(m_dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::unique_ptr<DIR, int (*)(DIR*)> dir(listing ? ::fdopendir(listing.get()) : nullptr, ::closedir);
    if (!dir) {
        throw Error(os_error("semaphore directory"));
    }
    listing.release(); // closedir() closes it now
    std::size_t failures = 0;
    while (const dirent* entry = ::readdir(dir.get())) {
        std::string_view name = entry->d_name;
        if (name.starts_with(k_failure_prefix) && ::unlinkat(m_dir.get(), entry->d_name, 0) == 0) {
            ++failures;
        }
    }
    return failures;
}

} // namespace fanout
