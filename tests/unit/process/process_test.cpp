#include "process.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

using fanout::find_executable;
using fanout::Process;
using fanout::SpawnRequest;
using fanout::Stream;

namespace {

using fanout::test::TempDir;

// Starts `argv` (its first word found on PATH) with stdin from /dev/null; returns the
// spawn's result.
int spawn(Process& process, const std::vector<std::string>& argv, const std::string* cwd = nullptr,
          const std::vector<int>* inherit = nullptr)
{
    static const std::vector<const char*> envp = [] {
        std::vector<const char*> all;
        for (char** entry = environ; *entry != nullptr; ++entry) {
            all.push_back(*entry);
        }
        all.push_back(nullptr);
        return all;
    }();
    std::string path = find_executable(argv.front());
    fanout::Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    SpawnRequest request;
    request.path = &path;
    request.argv = &argv;
    request.envp = &envp;
    request.stdin_fd = dev_null.get();
    request.cwd = cwd;
    request.inherit = inherit;
    return process.spawn(request);
}

// Reads a pipe to its end.
std::string read_all(fanout::Fd& pipe)
{
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipe.get(), buffer, sizeof buffer)) > 0) {
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

int wait_status(pid_t pid)
{
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return status;
}

} // namespace

TEST_CASE("find_executable: as execvp finds it")
{
    CHECK(find_executable("sh").ends_with("/sh"));
    CHECK(::access(find_executable("sh").c_str(), X_OK) == 0);
    CHECK(find_executable("/bin/sh") == "/bin/sh");
    CHECK(find_executable("fanout-no-such-command").empty());
}

TEST_CASE("Process: a child in its own process group, its stdout and stderr on pipes")
{
    Process process;
    REQUIRE(spawn(process, {"sh", "-c", "echo out; echo err >&2; cut -d' ' -f5 /proc/$$/stat; exit 4"}) == 0);
    std::string out = read_all(process.pipe(Stream::out));
    CHECK(read_all(process.pipe(Stream::err)) == "err\n");
    int status = wait_status(process.pid());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 4);
    CHECK(out.starts_with("out\n"));
    CHECK(std::stoi(out.substr(4)) == process.pid());
}

TEST_CASE("Process: a close-on-exec descriptor asked for stays open in the child, and close-on-exec here")
{
    fanout::Fd kept(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    fanout::Fd other(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    std::vector<int> inherit{kept.get()};
    std::string probe = "for fd in " + std::to_string(kept.get()) + " " + std::to_string(other.get()) +
                        "; do [ -e /proc/self/fd/$fd ] && echo open || echo closed; done";
    Process process;
    REQUIRE(spawn(process, {"sh", "-c", probe}, nullptr, &inherit) == 0);
    CHECK(read_all(process.pipe(Stream::out)) == "open\nclosed\n");
    CHECK(WEXITSTATUS(wait_status(process.pid())) == 0);
    CHECK((::fcntl(kept.get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("Process: starts in the directory asked for")
{
    TempDir dir;
    std::string cwd = dir.path().string();
    Process process;
    REQUIRE(spawn(process, {"pwd", "-P"}, &cwd) == 0);
    CHECK(read_all(process.pipe(Stream::out)) == std::filesystem::canonical(dir.path()).string() + "\n");
    CHECK(wait_status(process.pid()) == 0);
}

TEST_CASE("make_directories: mkdir -p")
{
    TempDir dir;
    SUBCASE("the directory and its missing parents, trailing slashes and all")
    {
        CHECK(fanout::make_directories(dir.file("a/b//c/")) == 0);
        CHECK(std::filesystem::is_directory(dir.path() / "a/b/c"));
        CHECK(fanout::make_directories(dir.file("a/b")) == 0); // already there
    }
    SUBCASE("a file in the way of a parent")
    {
        std::string file = dir.write("f", "");
        CHECK(fanout::make_directories(file + "/x/y") == ENOTDIR);
    }
    SUBCASE("a parent that cannot be made")
    {
        CHECK(fanout::make_directories("/proc/fanout-no/such") != 0);
    }
}

TEST_CASE("Process: a failed start returns its errno and leaves no child behind")
{
    TempDir dir;
    Process process;
    SUBCASE("no such executable")
    {
        CHECK(spawn(process, {dir.file("missing")}) == ENOENT);
    }
    SUBCASE("not executable")
    {
        std::string script = dir.write("script", "echo hi\n");
        CHECK(spawn(process, {script}) == EACCES);
    }
    SUBCASE("no such directory")
    {
        std::string cwd = dir.file("gone");
        CHECK(spawn(process, {"true"}, &cwd) == ENOENT);
    }
    int status = 0;
    CHECK(::waitpid(-1, &status, WNOHANG) == -1);
    CHECK(errno == ECHILD);
}
