// Jobserver: a client of GNU make's jobserver, so fanout under `make -j` shares make's
// job slots instead of multiplying them. Every token taken is given back, on every
// path out (the destructor returns what is still held).
#pragma once

#include "fd.hpp"
#include "waitable.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// Where MAKEFLAGS says the jobserver is.
struct JobserverAuth {
    std::string fifo; // make 4.4+: --jobserver-auth=fifo:PATH
    int read_fd = -1; // make 4.3: --jobserver-auth=R,W or --jobserver-fds=R,W
    int write_fd = -1;
};

// What MAKEFLAGS says: a jobserver, none, or a dry run (`make -n`: no jobserver).
// The last --jobserver-auth/--jobserver-fds wins, as make reads it. `problem` is set
// when the text names a jobserver that cannot be used (negative fds, bad syntax).
struct MakeflagsJobserver {
    std::optional<JobserverAuth> auth;
    bool dry_run = false;
    std::string problem;
};
MakeflagsJobserver parse_makeflags(std::string_view makeflags);

// The MAKEFLAGS a pool we serve gives its jobs: `inherited` less its -j and jobserver
// words, then -jSLOTS and the pool named twice, the FIFO first (make 4.4's form) and the
// descriptors last (make 4.3's form). Every client takes the last, and make 4.3 stops
// at a fifo: one; the FIFO stays there for a client (ninja) that wants only it.
std::string served_makeflags(std::string_view inherited, std::size_t slots, const JobserverAuth& pool);

class Jobserver : public Waitable {
public:
    // Connects to the jobserver MAKEFLAGS names. Returns nothing, and sets `warning`
    // when there is one the user would want to hear about (fds that make closed
    // because the recipe is not marked '+', a missing FIFO).
    static std::optional<Jobserver> connect(const JobserverAuth& auth, std::string& warning);

    Jobserver(Jobserver&&) noexcept = default;
    Jobserver& operator=(Jobserver&&) = delete;
    ~Jobserver() override;

    // Takes a token if one is free now; never blocks.
    bool try_acquire();
    // Gives one token back (the same byte that was taken).
    void release();
    [[nodiscard]] std::size_t held() const { return m_tokens.size(); }
    // Marks the pool as ours, made with `tokens` tokens, so that reclaim_lost() can count.
    void own_pool(std::size_t tokens) { m_pool_tokens = tokens; }
    // Only while no job runs: a pool we made then holds every token we do not, so one
    // missing was lost by a job that died holding it, and goes back (one too many, from
    // a job that gave back more than it took, comes out). Returns the tokens put back.
    // Does nothing on make's pool, whose size only make knows.
    std::size_t reclaim_lost();
    // Readable when a token may be free.
    [[nodiscard]] int wait_fd() const { return m_read.get(); }
    // Waiting for it is waiting for a token that may be free.
    void add_watches(std::vector<pollfd>& fds) const override { fds.push_back({wait_fd(), POLLIN, 0}); }

private:
    Jobserver(Fd read, Fd write) : m_read(std::move(read)), m_write(std::move(write)) {}

    Fd m_read; // our own non-blocking open of the pipe or FIFO
    Fd m_write;
    std::vector<char> m_tokens;
    std::optional<std::size_t> m_pool_tokens; // set when the pool is ours
};

} // namespace fanout
