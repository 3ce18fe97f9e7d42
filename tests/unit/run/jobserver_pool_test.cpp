#include "error.hpp"
#include "jobserver_pool.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

using fanout::JobserverAuth;
using fanout::JobserverPool;
using fanout::served_makeflags;
using fanout::test::ScopedEnv;
using fanout::test::TempDir;

namespace {

const JobserverAuth k_pool{"/tmp/d/fifo", 5, 6};
const std::string k_named = " -j4 --jobserver-auth=fifo:/tmp/d/fifo --jobserver-auth=5,6";

// Bytes waiting in a FIFO or pipe.
int queued(int fd)
{
    int n = -1;
    REQUIRE(::ioctl(fd, FIONREAD, &n) == 0);
    return n;
}

// What making a pool throws, or "" when it makes one.
std::string pool_error()
{
    try {
        JobserverPool pool(1);
    } catch (const fanout::Error& error) {
        return error.what();
    }
    return "";
}

} // namespace

TEST_CASE("jobserver pool: served_makeflags: none inherited gives -j and the pool, descriptors last")
{
    CHECK(served_makeflags("", 4, k_pool) == k_named);
}

TEST_CASE("jobserver pool: served_makeflags: make's -j and jobserver words are replaced")
{
    CHECK(served_makeflags(" -j8 --jobserver-auth=3,4", 4, k_pool) == k_named);
    CHECK(served_makeflags(" -j --jobserver-fds=3,4 --jobserver-auth=fifo:/x", 4, k_pool) == k_named);
    CHECK(served_makeflags("-j2 --jobs=2", 4, k_pool) == k_named);
}

TEST_CASE(
    "jobserver pool: served_makeflags: single-letter flags stay first, other options and variables stay")
{
    CHECK(served_makeflags("ks -j8 --jobserver-auth=3,4 --warn-undefined-variables -- CC=gcc -jx=1", 4,
                           k_pool) == "ks" + k_named + " --warn-undefined-variables -- CC=gcc -jx=1");
    CHECK(served_makeflags("n", 4, k_pool) == "n" + k_named);
}

TEST_CASE("jobserver pool: holds its tokens in a FIFO of a private directory, removed with it")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.path().string());
    std::string fifo;
    {
        JobserverPool pool(3);
        fifo = pool.auth().fifo;
        CHECK(fifo.starts_with(dir.file("fanout-jobserver-")));
        struct stat st {};
        REQUIRE(::stat(fifo.c_str(), &st) == 0);
        CHECK(S_ISFIFO(st.st_mode));
        CHECK((st.st_mode & 0777) == 0600);
        auto [read_fd, write_fd] = pool.job_fds();
        CHECK(pool.auth().read_fd == read_fd);
        CHECK(pool.auth().write_fd == write_fd);
        CHECK(queued(read_fd) == 3);
        // Close-on-exec here: only the jobs, which LocalRunner lets inherit them, see them.
        CHECK((::fcntl(read_fd, F_GETFD) & FD_CLOEXEC) != 0);
        CHECK((::fcntl(write_fd, F_GETFD) & FD_CLOEXEC) != 0);
        // Blocking, as make 4.3 hands its pipe to its recipes.
        CHECK((::fcntl(read_fd, F_GETFL) & O_NONBLOCK) == 0);
    }
    CHECK_FALSE(std::filesystem::exists(fifo));
    CHECK_FALSE(std::filesystem::exists(std::filesystem::path(fifo).parent_path()));
}

TEST_CASE("jobserver pool: fanout's client takes every token, then none")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.path().string());
    JobserverPool pool(2);
    CHECK(pool.client().try_acquire());
    CHECK(pool.client().try_acquire());
    CHECK_FALSE(pool.client().try_acquire());
    CHECK(queued(pool.job_fds()[0]) == 0);
    pool.client().release();
    CHECK(queued(pool.job_fds()[0]) == 1);
}

TEST_CASE("jobserver pool: reclaim_lost puts back tokens a job took with it, and takes out extra ones")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.path().string());
    JobserverPool pool(3);
    int job_read = pool.job_fds()[0];
    int job_write = pool.job_fds()[1];
    REQUIRE(pool.client().try_acquire()); // fanout holds one, for its second job
    CHECK(pool.client().reclaim_lost() == 0);
    CHECK(queued(job_read) == 2);

    SUBCASE("a job died holding two tokens")
    {
        char token[2];
        REQUIRE(::read(job_read, token, 2) == 2);
        CHECK(pool.client().reclaim_lost() == 2);
        CHECK(queued(job_read) == 2);
    }
    SUBCASE("a job gave back one more than it took")
    {
        REQUIRE(::write(job_write, "+", 1) == 1);
        CHECK(pool.client().reclaim_lost() == 0);
        CHECK(queued(job_read) == 2);
    }
    SUBCASE("what fanout holds is not lost")
    {
        pool.client().release();
        CHECK(pool.client().reclaim_lost() == 0);
        CHECK(queued(job_read) == 3);
    }
}

TEST_CASE("jobserver pool: a directory that cannot be made is an error naming it")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.file("missing"));
    std::string message = pool_error();
    CHECK(message.find(dir.file("missing")) != std::string::npos);
}

TEST_CASE("jobserver pool: a temp directory with a blank is refused: MAKEFLAGS could not name the FIFO")
{
    TempDir dir;
    std::filesystem::create_directory(dir.file("a b"));
    ScopedEnv tmpdir("TMPDIR", dir.file("a b"));
    std::string message = pool_error();
    CHECK(message.find("blanks") != std::string::npos);
    CHECK(std::filesystem::is_empty(dir.file("a b")));
}
