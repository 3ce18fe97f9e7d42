#include "jobserver_pool.hpp"

#include "error.hpp"
#include "temp_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace fanout {

JobserverPool::Place::Place() : dir(temp_dir() + "/fanout-jobserver-XXXXXX")
{
    // MAKEFLAGS is split at blanks: a FIFO path with one would name another file.
    if (dir.find_first_of(" \t\n") != std::string::npos) {
        throw Error("cannot serve a jobserver in '" + temp_dir() +
                    "': MAKEFLAGS cannot name a path with blanks (set TMPDIR or --tmpdir)");
    }
    if (::mkdtemp(dir.data()) == nullptr) {
        throw Error(os_error("cannot create a directory for the jobserver in '" + dir + "'"));
    }
    fifo = dir + "/fifo";
    if (::mkfifo(fifo.c_str(), 0600) != 0) {
        std::string problem = os_error("mkfifo " + fifo);
        ::rmdir(dir.c_str());
        throw Error(problem);
    }
}

JobserverPool::Place::~Place()
{
    ::unlink(fifo.c_str());
    ::rmdir(dir.c_str());
}

namespace {

// One end of the FIFO for the jobs, as make 4.3 hands its pipe over: blocking. The read
// end is opened non-blocking only so that the open does not wait for a writer.
Fd open_job_end(const std::string& fifo, int flags)
{
    Fd end(check_os(::open(fifo.c_str(), flags | O_NONBLOCK | O_CLOEXEC), "open jobserver FIFO"));
    check_os(::fcntl(end.get(), F_SETFL, 0), "fcntl F_SETFL");
    return end;
}

Jobserver connect_client(const JobserverAuth& auth)
{
    std::string warning;
    std::optional<Jobserver> client = Jobserver::connect(auth, warning);
    if (!client) {
        throw Error("cannot serve a jobserver: " + warning);
    }
    return std::move(*client);
}

} // namespace

JobserverPool::JobserverPool(std::size_t tokens)
    : m_job_read(open_job_end(m_place.fifo, O_RDONLY)), m_job_write(open_job_end(m_place.fifo, O_WRONLY)),
      m_client(connect_client(auth()))
{
    // An empty pool of ours is missing every token: reclaiming fills it.
    m_client->own_pool(tokens);
    if (m_client->reclaim_lost() != tokens) {
        throw Error("cannot serve a jobserver: its FIFO holds fewer than " + std::to_string(tokens) +
                    " tokens");
    }
}

JobserverAuth JobserverPool::auth() const
{
    return JobserverAuth{m_place.fifo, m_job_read.get(), m_job_write.get()};
}

} // namespace fanout
