#include "process.hpp"

#include "error.hpp"
#include "signals.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace fanout {

namespace {

// posix_spawn's attributes and file actions, destroyed on every path.
class SpawnSetup {
public:
    SpawnSetup()
    {
        ::posix_spawnattr_init(&m_attr);
        ::posix_spawn_file_actions_init(&m_actions);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    ~SpawnSetup()
    {
        ::posix_spawn_file_actions_destroy(&m_actions);
        ::posix_spawnattr_destroy(&m_attr);
    }
    posix_spawnattr_t m_attr{};
    posix_spawn_file_actions_t m_actions{};
};

// A close-on-exec pipe, or the errno of why there is none (EMFILE, ENFILE).
int make_pipe(Pipe& pipe)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return errno;
    }
    pipe = Pipe{Fd(fds[0]), Fd(fds[1])};
    return 0;
}

} // namespace

bool ExitInfo::signaled() const
{
    return WIFSIGNALED(status);
}

int ExitInfo::exit_code() const
{
    return signaled() ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int ExitInfo::signal() const
{
    return signaled() ? WTERMSIG(status) : 0;
}

int Process::spawn(const SpawnRequest& request)
{
    SpawnSetup setup;
    sigset_t empty;
    sigemptyset(&empty);
    ::posix_spawnattr_setflags(&setup.m_attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                  POSIX_SPAWN_SETSIGDEF);
    ::posix_spawnattr_setpgroup(&setup.m_attr, 0);
    ::posix_spawnattr_setsigmask(&setup.m_attr, &empty);
    ::posix_spawnattr_setsigdefault(&setup.m_attr, &SignalInbox::defaults_for_children());
    Pipe in;
    if (request.feed_stdin) {
        if (int error = make_pipe(in); error != 0) {
            return error;
        }
        ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
        ::posix_spawn_file_actions_adddup2(&setup.m_actions, in.read.get(), STDIN_FILENO);
    } else {
        ::posix_spawn_file_actions_adddup2(&setup.m_actions, request.stdin_fd, STDIN_FILENO);
    }
    if (request.cwd != nullptr && !request.cwd->empty()) {
        ::posix_spawn_file_actions_addchdir_np(&setup.m_actions, request.cwd->c_str());
    }
    Pipe out;
    Pipe err;
    if (request.capture) {
        if (int error = make_pipe(out); error != 0) {
            return error;
        }
        if (int error = make_pipe(err); error != 0) {
            return error;
        }
        ::posix_spawn_file_actions_adddup2(&setup.m_actions, out.write.get(), STDOUT_FILENO);
        ::posix_spawn_file_actions_adddup2(&setup.m_actions, err.write.get(), STDERR_FILENO);
    }
    std::vector<char*> argv;
    argv.reserve(request.argv->size() + 1);
    for (const auto& arg : *request.argv) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&m_pid, request.path->c_str(), &setup.m_actions, &setup.m_attr, argv.data(),
                           const_cast<char* const*>(request.envp->data()));
    if (rc != 0) {
        m_pid = -1;
        return rc;
    }
    m_pipes[0] = std::move(out.read);
    m_pipes[1] = std::move(err.read);
    m_input = std::move(in.write);
    return 0;
}

std::string find_executable(const std::string& name)
{
    auto executable = [](const std::string& path) {
        struct stat st {};
        return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) {
        return name;
    }
    if (name.empty()) {
        return {};
    }
    const char* env_path = std::getenv("PATH");
    std::string path = env_path ? env_path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        end = end == std::string::npos ? path.size() : end;
        std::string dir = end > start ? path.substr(start, end - start) : ".";
        std::string candidate = dir + "/" + name;
        if (executable(candidate)) {
            return candidate;
        }
        start = end + 1;
    }
    return {};
}

} // namespace fanout
