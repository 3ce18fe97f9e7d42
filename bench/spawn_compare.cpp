// spawn_compare: what does it cost to start /bin/true with posix_spawn + waitpid, and with
// Boost.Process v1's default launcher (fork + execve, plus its exec-error pipe)?
//
//   spawn_compare [N] [ROUNDS]
//
// Each round runs four measurements back to back, N spawns each: posix_spawn one at a
// time, Boost one at a time, posix_spawn two at a time, Boost two at a time ("two at a
// time" starts a pair and waits for both, the same way for both launchers). It prints
// jobs/s per round and the medians, and the ratio posix_spawn / Boost.
#include <boost/process.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

extern char** environ;

namespace {

const char* const k_program = "/bin/true";

pid_t spawn_true()
{
    pid_t pid = -1;
    char arg0[] = "/bin/true";
    char* argv[] = {arg0, nullptr};
    int rc = ::posix_spawn(&pid, k_program, nullptr, nullptr, argv, environ);
    if (rc != 0) {
        std::fprintf(stderr, "posix_spawn: error %d\n", rc);
        std::exit(1);
    }
    return pid;
}

void reap(pid_t pid)
{
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "waitpid: unexpected result\n");
        std::exit(1);
    }
}

void posix_serial(int n)
{
    for (int i = 0; i < n; ++i) {
        reap(spawn_true());
    }
}

void posix_pairs(int n)
{
    for (int i = 0; i < n; i += 2) {
        pid_t a = spawn_true();
        pid_t b = spawn_true();
        reap(a);
        reap(b);
    }
}

void check(boost::process::child& c)
{
    c.wait();
    if (c.exit_code() != 0) {
        std::fprintf(stderr, "boost child: exit %d\n", c.exit_code());
        std::exit(1);
    }
}

void boost_serial(int n)
{
    for (int i = 0; i < n; ++i) {
        boost::process::child c(k_program);
        check(c);
    }
}

void boost_pairs(int n)
{
    for (int i = 0; i < n; i += 2) {
        boost::process::child a(k_program);
        boost::process::child b(k_program);
        check(a);
        check(b);
    }
}

double jobs_per_second(const std::function<void(int)>& run, int n)
{
    auto start = std::chrono::steady_clock::now();
    run(n);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    return n / took.count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

} // namespace

int main(int argc, char** argv)
{
    int n = argc > 1 ? std::atoi(argv[1]) : 2000;
    int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
    n += n % 2;
    struct Mode {
        const char* name;
        std::function<void(int)> run;
        std::vector<double> rates;
    };
    std::vector<Mode> modes = {{"posix_spawn serial", posix_serial, {}},
                               {"boost v1 serial", boost_serial, {}},
                               {"posix_spawn 2 at a time", posix_pairs, {}},
                               {"boost v1 2 at a time", boost_pairs, {}}};
    std::vector<double> ratio_serial;
    std::vector<double> ratio_pairs;
    std::printf("# spawn_compare: %d spawns of %s per measurement, %d rounds\n", n, k_program, rounds);
    for (int r = 1; r <= rounds; ++r) {
        std::printf("round %d:", r);
        for (auto& mode : modes) {
            mode.rates.push_back(jobs_per_second(mode.run, n));
            std::printf("  %s %.0f/s", mode.name, mode.rates.back());
        }
        ratio_serial.push_back(modes[0].rates.back() / modes[1].rates.back());
        ratio_pairs.push_back(modes[2].rates.back() / modes[3].rates.back());
        std::printf("  ratio serial %.2f  pairs %.2f\n", ratio_serial.back(), ratio_pairs.back());
    }
    for (const auto& mode : modes) {
        std::printf("median %s: %.0f jobs/s\n", mode.name, median(mode.rates));
    }
    std::printf("median ratio posix_spawn/boost serial: %.2f\n", median(ratio_serial));
    std::printf("median ratio posix_spawn/boost 2 at a time: %.2f\n", median(ratio_pairs));
    return 0;
}
