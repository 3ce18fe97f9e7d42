// JobserverPool: a GNU make jobserver that fanout serves to its jobs (--serve-jobserver),
// so that the makes, ninjas and cargos it runs share its -j slots instead of each
// starting its own. The pool is a FIFO in a private directory, removed with the pool.
#pragma once

#include "fd.hpp"
#include "jobserver.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>

namespace fanout {

class JobserverPool {
public:
    // The most tokens a pool holds: what a FIFO holds without asking for more room.
    static constexpr std::size_t k_max_tokens = 65536;

    // A pool of `tokens` tokens (-j less the implicit slot); throws Error when the
    // FIFO cannot be made.
    explicit JobserverPool(std::size_t tokens);
    JobserverPool(const JobserverPool&) = delete;
    JobserverPool& operator=(const JobserverPool&) = delete;
    ~JobserverPool() = default;

    // fanout's own connection: each job past the first takes one of its tokens.
    Jobserver& client() { return *m_client; }
    // Where MAKEFLAGS says the pool is: the FIFO, and the descriptors the jobs inherit.
    [[nodiscard]] JobserverAuth auth() const;
    [[nodiscard]] std::array<int, 2> job_fds() const { return {m_job_read.get(), m_job_write.get()}; }

private:
    // The private directory and the FIFO in it, removed on every way out.
    struct Place {
        std::string dir;
        std::string fifo;
        Place();
        Place(const Place&) = delete;
        Place& operator=(const Place&) = delete;
        ~Place();
    };

    Place m_place; // first: it outlives the descriptors on it
    Fd m_job_read; // blocking, close-on-exec here; the jobs inherit them (LocalRunner)
    Fd m_job_write;
    std::optional<Jobserver> m_client;
};

} // namespace fanout
