#include "jobserver.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>

using fanout::Jobserver;
using fanout::JobserverAuth;
using fanout::MakeflagsJobserver;
using fanout::parse_makeflags;

namespace {

using fanout::test::TempDir;

// A pipe standing in for make's jobserver: both ends blocking, as make hands them over.
class TokenPipe {
public:
    TokenPipe()
    {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        m_read = fds[0];
        m_write = fds[1];
    }
    TokenPipe(const TokenPipe&) = delete;
    TokenPipe& operator=(const TokenPipe&) = delete;
    ~TokenPipe()
    {
        ::close(m_read);
        ::close(m_write);
    }

    [[nodiscard]] JobserverAuth auth() const { return JobserverAuth{"", m_read, m_write}; }
    [[nodiscard]] int read_fd() const { return m_read; }
    [[nodiscard]] int write_fd() const { return m_write; }

    void put(const std::string& tokens) const
    {
        REQUIRE(::write(m_write, tokens.data(), tokens.size()) == static_cast<ssize_t>(tokens.size()));
    }

    // Every byte in the pipe now, sorted (tokens come back in any order).
    [[nodiscard]] std::string drain() const { return drain_fd(m_read); }

    static std::string drain_fd(int fd)
    {
        int flags = ::fcntl(fd, F_GETFL);
        REQUIRE(::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0);
        std::string bytes;
        char buffer[64];
        ssize_t n;
        while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
            bytes.append(buffer, static_cast<std::size_t>(n));
        }
        REQUIRE(::fcntl(fd, F_SETFL, flags) == 0);
        std::sort(bytes.begin(), bytes.end());
        return bytes;
    }

private:
    int m_read = -1;
    int m_write = -1;
};

// Kills the test process if a call that must never block blocks after all, so a bug
// fails the run instead of hanging it.
class HangGuard {
public:
    HangGuard() { ::alarm(20); }
    HangGuard(const HangGuard&) = delete;
    HangGuard& operator=(const HangGuard&) = delete;
    ~HangGuard() { ::alarm(0); }
};

bool readable(int fd)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

// Two descriptor numbers that are surely closed now.
std::pair<int, int> closed_fds()
{
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    ::close(fds[1]);
    return {fds[0], fds[1]};
}

} // namespace

TEST_CASE("jobserver: parse_makeflags: make 4.3's --jobserver-auth=R,W")
{
    MakeflagsJobserver found = parse_makeflags(" -j4 --jobserver-auth=3,4");
    REQUIRE(found.auth);
    CHECK(found.auth->fifo.empty());
    CHECK(found.auth->read_fd == 3);
    CHECK(found.auth->write_fd == 4);
    CHECK_FALSE(found.dry_run);
    CHECK(found.problem.empty());

    SUBCASE("with single-letter flags first")
    {
        found = parse_makeflags("ks -j4 --jobserver-auth=5,6");
        REQUIRE(found.auth);
        CHECK(found.auth->read_fd == 5);
        CHECK(found.auth->write_fd == 6);
        CHECK_FALSE(found.dry_run);
    }
    SUBCASE("with more options and variables after it")
    {
        found = parse_makeflags(" -j4 --jobserver-auth=10,11 --no-print-directory -- CC=gcc");
        REQUIRE(found.auth);
        CHECK(found.auth->read_fd == 10);
        CHECK(found.auth->write_fd == 11);
    }
    SUBCASE("with runs of spaces")
    {
        found = parse_makeflags("   -j4    --jobserver-auth=3,4   ");
        REQUIRE(found.auth);
        CHECK(found.auth->read_fd == 3);
        CHECK(found.auth->write_fd == 4);
    }
}

TEST_CASE("jobserver: parse_makeflags: older makes' --jobserver-fds=R,W")
{
    MakeflagsJobserver found = parse_makeflags(" --jobserver-fds=7,8 -j");
    REQUIRE(found.auth);
    CHECK(found.auth->fifo.empty());
    CHECK(found.auth->read_fd == 7);
    CHECK(found.auth->write_fd == 8);
    CHECK_FALSE(found.dry_run);
    CHECK(found.problem.empty());
}

TEST_CASE("jobserver: parse_makeflags: make 4.4's --jobserver-auth=fifo:PATH")
{
    MakeflagsJobserver found = parse_makeflags(" -j4 --jobserver-auth=fifo:/tmp/GMfifo1234");
    REQUIRE(found.auth);
    CHECK(found.auth->fifo == "/tmp/GMfifo1234");
    CHECK_FALSE(found.dry_run);
    CHECK(found.problem.empty());
}

TEST_CASE("jobserver: parse_makeflags: the last jobserver option wins")
{
    SUBCASE("fds, then a FIFO")
    {
        MakeflagsJobserver found = parse_makeflags(" --jobserver-fds=3,4 --jobserver-auth=fifo:/run/pool");
        REQUIRE(found.auth);
        CHECK(found.auth->fifo == "/run/pool");
    }
    SUBCASE("a FIFO, then fds")
    {
        MakeflagsJobserver found = parse_makeflags(" --jobserver-auth=fifo:/run/pool --jobserver-auth=7,8");
        REQUIRE(found.auth);
        CHECK(found.auth->fifo.empty());
        CHECK(found.auth->read_fd == 7);
        CHECK(found.auth->write_fd == 8);
    }
    SUBCASE("a usable one after a broken one")
    {
        MakeflagsJobserver found = parse_makeflags(" --jobserver-auth=x,y --jobserver-auth=3,4");
        REQUIRE(found.auth);
        CHECK(found.auth->read_fd == 3);
        CHECK(found.problem.empty());
    }
    SUBCASE("a broken one after a usable one")
    {
        MakeflagsJobserver found = parse_makeflags(" --jobserver-auth=3,4 --jobserver-auth=-2,-2");
        CHECK_FALSE(found.auth);
        CHECK_FALSE(found.problem.empty());
    }
}

TEST_CASE("jobserver: parse_makeflags: 'n' in the first word is a dry run (make -n), with no jobserver")
{
    for (const char* makeflags : {"n -j4 --jobserver-auth=3,4", "kn -j4 --jobserver-auth=3,4", "n",
                                  "n -j4 --jobserver-auth=fifo:/tmp/pool"}) {
        CAPTURE(makeflags);
        MakeflagsJobserver found = parse_makeflags(makeflags);
        CHECK(found.dry_run);
        CHECK_FALSE(found.auth);
    }
}

TEST_CASE("jobserver: parse_makeflags: a first word that is an option is not a dry run")
{
    for (const char* makeflags : {"--no-print-directory --jobserver-auth=3,4", "--foo --jobserver-auth=3,4",
                                  " -j4 --jobserver-auth=3,4 n", "k -j4 --jobserver-auth=3,4"}) {
        CAPTURE(makeflags);
        MakeflagsJobserver found = parse_makeflags(makeflags);
        CHECK_FALSE(found.dry_run);
        REQUIRE(found.auth);
        CHECK(found.auth->read_fd == 3);
        CHECK(found.auth->write_fd == 4);
    }
}

TEST_CASE("jobserver: parse_makeflags: no jobserver named")
{
    for (const char* makeflags : {"", " ", "k", " -j4", " -j1 --no-print-directory", "ks -- CC=gcc"}) {
        CAPTURE(makeflags);
        MakeflagsJobserver found = parse_makeflags(makeflags);
        CHECK_FALSE(found.auth);
        CHECK_FALSE(found.dry_run);
        CHECK(found.problem.empty());
    }
}

TEST_CASE("jobserver: parse_makeflags: negative descriptors name no usable jobserver")
{
    for (const char* makeflags :
         {" -j4 --jobserver-auth=-2,-2", " --jobserver-fds=-1,4", " --jobserver-auth=3,-1"}) {
        CAPTURE(makeflags);
        MakeflagsJobserver found = parse_makeflags(makeflags);
        CHECK_FALSE(found.auth);
        CHECK_FALSE(found.dry_run);
        CHECK_FALSE(found.problem.empty());
    }
}

TEST_CASE("jobserver: parse_makeflags: garbage after the option names no usable jobserver")
{
    for (const char* makeflags : {" --jobserver-auth=", " --jobserver-auth=3", " --jobserver-auth=3,",
                                  " --jobserver-auth=,4", " --jobserver-auth=3,4x", " --jobserver-auth=a,b",
                                  " --jobserver-auth=fifo:", " --jobserver-fds=3;4"}) {
        CAPTURE(makeflags);
        MakeflagsJobserver found = parse_makeflags(makeflags);
        CHECK_FALSE(found.auth);
        CHECK(found.problem.find("MAKEFLAGS") != std::string::npos);
    }
}

TEST_CASE("jobserver: on a pipe, takes tokens until none is left and gives the same bytes back")
{
    HangGuard guard;
    TokenPipe pool;
    pool.put("abc");
    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(pool.auth(), warning);
    REQUIRE(jobserver);
    CHECK(warning.empty());
    CHECK(jobserver->held() == 0);
    CHECK(readable(jobserver->wait_fd()));

    CHECK(jobserver->try_acquire());
    CHECK(jobserver->try_acquire());
    CHECK(jobserver->try_acquire());
    CHECK(jobserver->held() == 3);
    CHECK_FALSE(jobserver->try_acquire()); // none left: false at once, no blocking
    CHECK(jobserver->held() == 3);
    CHECK_FALSE(readable(jobserver->wait_fd()));

    SUBCASE("release returns each byte")
    {
        jobserver->release();
        CHECK(jobserver->held() == 2);
        CHECK(readable(jobserver->wait_fd()));
        jobserver->release();
        jobserver->release();
        CHECK(jobserver->held() == 0);
        jobserver->release(); // holding none: writes nothing
        CHECK(pool.drain() == "abc");
    }
    SUBCASE("the destructor returns what is still held")
    {
        jobserver->release();
        CHECK(jobserver->held() == 2);
        jobserver.reset();
        CHECK(pool.drain() == "abc");
    }
    SUBCASE("a moved-from Jobserver returns nothing twice")
    {
        std::optional<Jobserver> moved(std::move(*jobserver));
        jobserver.reset();
        CHECK(moved->held() == 3);
        moved.reset();
        CHECK(pool.drain() == "abc");
    }
}

TEST_CASE("jobserver: on a pipe, a token another client returns can be taken")
{
    HangGuard guard;
    TokenPipe pool;
    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(pool.auth(), warning);
    REQUIRE(jobserver);
    CHECK_FALSE(jobserver->try_acquire());
    pool.put("+");
    CHECK(readable(jobserver->wait_fd()));
    CHECK(jobserver->try_acquire());
    CHECK_FALSE(jobserver->try_acquire());
    jobserver.reset();
    CHECK(pool.drain() == "+");
}

TEST_CASE("jobserver: on a pipe, make's own descriptors stay blocking")
{
    TokenPipe pool;
    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(pool.auth(), warning);
    REQUIRE(jobserver);
    CHECK(jobserver->wait_fd() != pool.read_fd());
    CHECK((::fcntl(pool.read_fd(), F_GETFL) & O_NONBLOCK) == 0);
    CHECK((::fcntl(pool.write_fd(), F_GETFL) & O_NONBLOCK) == 0);
    CHECK((::fcntl(jobserver->wait_fd(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("jobserver: connect: closed descriptors (a recipe without '+') give no jobserver and a warning")
{
    auto [read_fd, write_fd] = closed_fds();
    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(JobserverAuth{"", read_fd, write_fd}, warning);
    CHECK_FALSE(jobserver);
    CHECK(warning ==
          "MAKEFLAGS names jobserver descriptors " + std::to_string(read_fd) + "," +
              std::to_string(write_fd) +
              " that are not open pipes (mark the make recipe with '+'); running without the jobserver");
}

TEST_CASE("jobserver: connect: one end closed gives no jobserver and a warning")
{
    TokenPipe pool; // first, so that it does not take the numbers closed_fds() finds
    int closed = closed_fds().second;
    std::string warning;
    CHECK_FALSE(Jobserver::connect(JobserverAuth{"", pool.read_fd(), closed}, warning));
    CHECK(warning.find("not open pipes") != std::string::npos);
}

TEST_CASE("jobserver: connect: descriptors open on something other than a pipe give no jobserver")
{
    TempDir dir;
    int file = ::open(dir.file("plain").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(file >= 0);
    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(JobserverAuth{"", file, file}, warning);
    CHECK_FALSE(jobserver);
    CHECK(warning.find("not open pipes") != std::string::npos);
    ::close(file);
}

TEST_CASE("jobserver: on a FIFO (make 4.4), takes and returns the same bytes")
{
    HangGuard guard;
    TempDir dir;
    std::string path = dir.file("pool");
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    // Make keeps the FIFO open; so does this test, read-write, so it never sees EOF.
    int keeper = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(keeper >= 0);
    REQUIRE(::write(keeper, "xy", 2) == 2);

    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(JobserverAuth{path, -1, -1}, warning);
    REQUIRE(jobserver);
    CHECK(warning.empty());
    CHECK(jobserver->try_acquire());
    CHECK(jobserver->try_acquire());
    CHECK_FALSE(jobserver->try_acquire());
    CHECK(jobserver->held() == 2);
    jobserver->release();
    CHECK(jobserver->held() == 1);
    jobserver.reset();
    CHECK(TokenPipe::drain_fd(keeper) == "xy");
    ::close(keeper);
}

TEST_CASE("jobserver: connect: a FIFO that does not exist gives no jobserver and a warning")
{
    TempDir dir;
    std::string path = dir.file("missing");
    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(JobserverAuth{path, -1, -1}, warning);
    CHECK_FALSE(jobserver);
    CHECK(warning.find(path) != std::string::npos);
    CHECK(warning.find("running without") != std::string::npos);
}

TEST_CASE("jobserver: reclaim_lost does nothing on make's pool, whose size only make knows")
{
    TokenPipe pipe;
    pipe.put("ab");
    std::string warning;
    std::optional<Jobserver> jobserver = Jobserver::connect(pipe.auth(), warning);
    REQUIRE(jobserver);
    REQUIRE(jobserver->try_acquire());
    CHECK(jobserver->reclaim_lost() == 0);
    jobserver.reset();
    CHECK(pipe.drain() == "ab");
}
