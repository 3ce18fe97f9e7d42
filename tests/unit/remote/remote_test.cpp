#include "error.hpp"
#include "remote_command.hpp"
#include "shell_quote.hpp"
#include "ssh_login.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using fanout::Command;
using fanout::parse_sshlogins;
using fanout::read_sshloginfile;
using fanout::RemoteSetup;
using fanout::SshLogin;

namespace {

SshLogin one_login(const std::string& text)
{
    auto logins = parse_sshlogins(text, "-S");
    REQUIRE(logins.size() == 1);
    return logins.front();
}

// Runs `script` as a remote login shell would (sh -c), with stdin from `stdin_path`;
// returns its stdout, and its exit code in `code`.
std::string run_shell(const std::string& script, const std::string& stdin_path, int& code)
{
    return fanout::test::popen_output("sh -c " + fanout::shell_quote(script) + " <" + stdin_path, &code);
}

// Runs a remote job script as sshd would, its stdin (the watcher's lifeline) a FIFO
// that stays open for 5 s, as ssh's does while the job runs.
std::string run_with_open_stdin(const std::string& job, int& code)
{
    auto fifo = std::filesystem::temp_directory_path() / ("fanout-watch-" + std::to_string(::getpid()));
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    pid_t holder = ::fork();
    REQUIRE(holder >= 0);
    if (holder == 0) {
        FILE* keep = std::fopen(fifo.c_str(), "w"); // blocks until the shell opens the read end
        ::sleep(5);
        (void)keep;
        std::_Exit(0);
    }
    std::string out = run_shell(job, fifo.string(), code);
    ::kill(holder, SIGKILL);
    ::waitpid(holder, nullptr, 0);
    std::filesystem::remove(fifo);
    return out;
}

} // namespace

TEST_CASE("ssh_login: [N/][user@]host[:port] and ':'")
{
    SshLogin plain = one_login("build1");
    CHECK(plain.name == "build1");
    CHECK(plain.destination == "build1");
    CHECK_FALSE(plain.port);
    CHECK_FALSE(plain.slots);
    CHECK_FALSE(plain.local);

    SshLogin full = one_login("8/alice@build2.example:2222");
    CHECK(full.name == "alice@build2.example:2222");
    CHECK(full.destination == "alice@build2.example");
    CHECK(full.port == 2222U);
    CHECK(full.slots == 8U);

    SshLogin here = one_login("2/:");
    CHECK(here.local);
    CHECK(here.slots == 2U);

    auto list = parse_sshlogins(" a , 3/b ,: ", "-S");
    REQUIRE(list.size() == 3);
    CHECK(list[0].destination == "a");
    CHECK(list[1].slots == 3U);
    CHECK(list[2].local);
}

TEST_CASE("ssh_login: malformed entries name the option and the entry")
{
    for (const char* bad : {"", "a,,b", "0/host", "x/host", "-1/host", "host:0", "host:65536", "host:22x",
                            "@host", "user@", "-oProxyCommand=evil", "a b", "h;rm", "h$(x)", "h`x`", "2/"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parse_sshlogins(bad, "-S/--sshlogin"), fanout::Error);
    }
    try {
        parse_sshlogins("0/host", "-S/--sshlogin");
        FAIL("no error");
    } catch (const fanout::Error& error) {
        CHECK(std::string(error.what()).find("-S/--sshlogin: '0/host'") != std::string::npos);
    }
}

TEST_CASE("ssh_login: --sshloginfile skips blank lines and comments, and names file and line")
{
    auto dir = std::filesystem::temp_directory_path() / ("fanout-slf-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "hosts").string();
    {
        std::ofstream out(path);
        out << "# build farm\n\n  4/b1  \r\nb2,b3\n#:\n";
    }
    auto logins = read_sshloginfile(path);
    REQUIRE(logins.size() == 3);
    CHECK(logins[0].slots == 4U);
    CHECK(logins[0].destination == "b1");
    CHECK(logins[2].destination == "b3");
    {
        std::ofstream out(path);
        out << "b1\n\nbad host\n";
    }
    try {
        read_sshloginfile(path);
        FAIL("no error");
    } catch (const fanout::Error& error) {
        CHECK(std::string(error.what()).find(path + ":3:") != std::string::npos);
    }
    CHECK_THROWS_AS(read_sshloginfile((dir / "missing").string()), fanout::Error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("remote_command: ssh words go through the host's connection")
{
    RemoteSetup setup;
    setup.ssh = {"ssh", "-i", "key"};
    auto words = fanout::ssh_words(setup, one_login("u@h:2200"), "/tmp/ctl");
    std::vector<std::string> expected{
        "ssh", "-i",   "key", "-T", "-o", "ControlMaster=no", "-o", "ControlPath=/tmp/ctl",
        "-p",  "2200", "u@h"};
    CHECK(words == expected);
}

TEST_CASE("remote_command: --workdir ... is new for every job")
{
    RemoteSetup setup;
    setup.workdir = "...";
    std::string first = fanout::remote_workdir(setup, 1);
    CHECK(first.starts_with(".fanout/tmp/"));
    CHECK(first != fanout::remote_workdir(setup, 2));
    setup.workdir = "/srv/w";
    CHECK(fanout::remote_workdir(setup, 1) == "/srv/w");
}

TEST_CASE("remote_command: the remote script sets the variables and passes values literally")
{
    RemoteSetup setup;
    setup.env = {{"TOKEN", "a b'$(x)`y`\n"}};
    Command command;
    command.display =
        "printf '%s|' \"$TOKEN\" \"$FANOUT_SEQ\" \"$PARALLEL_JOBSLOT\" " + fanout::shell_quote("it's $HOME");
    std::string job = fanout::remote_job(command, setup, "", 7, 3);

    int code = -1;
    std::string out = run_with_open_stdin(job, code);
    CHECK(code == 0);
    CHECK(out == "a b'$(x)`y`\n|7|3|it's $HOME|");
}

// Perl runs its SIGCHLD handler between ops only: a SIGCHLD that lands just before
// select() sleeps is not seen until select() returns. With SIGCHLD blocked it is never
// seen, which makes that race certain: the job must still end, and soon.
TEST_CASE("remote_command: the watcher sees its job end without SIGCHLD")
{
    Command command;
    command.display = "exit 3";
    std::string job = fanout::remote_job(command, RemoteSetup{}, "", 1, 1);
    // popen() starts its shell with an empty signal mask: the mask is set after it,
    // and the watcher inherits it through exec.
    std::string blocked = "exec perl -MPOSIX -e 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGCHLD));"
                          " exec(\"/bin/sh\", \"-c\", $ARGV[0])' " +
                          fanout::shell_quote(job);
    auto start = std::chrono::steady_clock::now();
    int code = -1;
    run_with_open_stdin(blocked, code);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(code == 3);
    CHECK(elapsed < std::chrono::seconds(4)); // not the 5 s of the lifeline's end
}

TEST_CASE("remote_command: the watcher ends the job as soon as its stdin closes")
{
    Command command;
    command.display = "sleep 30";
    std::string job = fanout::remote_job(command, RemoteSetup{}, "", 1, 1);
    auto start = std::chrono::steady_clock::now();
    int code = -1;
    run_shell(job, "/dev/null", code);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(code == 255);
    CHECK(elapsed < std::chrono::seconds(10));
}

TEST_CASE("remote_command: transfers make a local script; plain jobs are ssh alone")
{
    RemoteSetup setup;
    Command command;
    command.display = "wc -l < f";
    Command plain = fanout::remote_command(command, setup, one_login("h"), "/c", 1, 1);
    CHECK_FALSE(plain.via_shell);
    CHECK(plain.stream_input);
    CHECK(plain.argv.back().starts_with("exec perl -e "));

    command.transfer_files = {"in put.txt"};
    command.return_files = {"out.txt"};
    setup.cleanup = true;
    Command moved = fanout::remote_command(command, setup, one_login("h"), "/c", 1, 1);
    REQUIRE(moved.argv.size() == 3);
    CHECK(moved.argv[0] == "/bin/sh");
    const std::string& script = moved.argv[2];
    CHECK(script.find("rsync -rlpt -R") != std::string::npos);
    CHECK(script.find("'in put.txt'") != std::string::npos);
    CHECK(script.find("rm -f --") != std::string::npos);
    CHECK(script.find("exit $rc") != std::string::npos);
}
