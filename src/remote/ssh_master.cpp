#include "ssh_master.hpp"

#include "error.hpp"
#include "fd.hpp"
#include "process.hpp"
#include "remote_command.hpp"
#include "signals.hpp"
#include "temp_file.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>

extern char** environ;

namespace fanout {

namespace {

// Starts `argv` in its own process group (Ctrl-C is ours to pass on) with stdin
// /dev/null, stdout to `out_fd` and stderr to `err_fd`; -1 when it cannot start.
pid_t spawn_quiet(const std::vector<std::string>& argv, int out_fd, int err_fd)
{
    std::string path = find_executable(argv.front());
    if (path.empty()) {
        return -1;
    }
    Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    ::posix_spawnattr_init(&attr);
    ::posix_spawn_file_actions_init(&actions);
    sigset_t empty;
    sigemptyset(&empty);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    ::posix_spawnattr_setpgroup(&attr, 0);
    ::posix_spawnattr_setsigmask(&attr, &empty);
    ::posix_spawnattr_setsigdefault(&attr, &SignalInbox::defaults_for_children());
    ::posix_spawn_file_actions_adddup2(&actions, null.get(), STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, out_fd >= 0 ? out_fd : null.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, err_fd >= 0 ? err_fd : null.get(), STDERR_FILENO);
    std::vector<char*> words;
    for (const auto& word : argv) {
        words.push_back(const_cast<char*>(word.c_str()));
    }
    words.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, words.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
    return rc == 0 ? pid : -1;
}

int wait_exit(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return 255;
        }
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

// The last line of a file, for a message.
std::string last_line(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
        if (!line.empty() && line != "\r") {
            last = line;
        }
    }
    while (!last.empty() && (last.back() == '\r' || last.back() == ' ')) {
        last.pop_back();
    }
    return last;
}

std::string make_private_dir()
{
    std::string pattern = temp_dir() + "/fanout-ssh-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw Error(os_error("cannot create a directory for ssh connections in '" + pattern + "'"));
    }
    return pattern;
}

} // namespace

int run_to_end(const std::vector<std::string>& argv, std::string* out, int log_fd)
{
    Pipe pipe;
    if (out != nullptr) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return 127;
        }
        pipe = Pipe{Fd(fds[0]), Fd(fds[1])};
    }
    pid_t pid = spawn_quiet(argv, out != nullptr ? pipe.write.get() : log_fd, log_fd);
    pipe.write.reset();
    if (pid < 0) {
        return 127;
    }
    char buffer[4096];
    ssize_t n;
    while (out != nullptr && ((n = ::read(pipe.read.get(), buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))) {
        out->append(buffer, static_cast<std::size_t>(n > 0 ? n : 0));
    }
    return wait_exit(pid);
}

SshMasters::SshMasters(std::vector<std::string> ssh, const std::vector<SshLogin>& logins, const Warn& warn)
    : m_ssh(std::move(ssh))
{
    m_dir = make_private_dir();
    std::vector<pid_t> connecting(logins.size(), -1);
    for (std::size_t i = 0; i < logins.size(); ++i) {
        Host host{logins[i], m_dir + "/" + std::to_string(i), m_dir + "/" + std::to_string(i) + ".log", false};
        m_hosts.push_back(host);
        if (logins[i].local) {
            m_hosts.back().up = true;
            continue;
        }
        // -f: once logged in, the master goes to the background and this ssh exits 0.
        std::vector<std::string> argv = m_ssh;
        argv.insert(argv.end(), {"-f", "-N", "-T", "-o", "ControlMaster=yes", "-o", "ControlPath=" + host.control_path,
                                 "-o", "ControlPersist=yes", "-o", "ServerAliveInterval=10", "-o",
                                 "ServerAliveCountMax=3", "-o", "ConnectTimeout=10"});
        if (host.login.port) {
            argv.insert(argv.end(), {"-p", std::to_string(*host.login.port)});
        }
        argv.push_back(host.login.destination);
        Fd log(::open(host.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        connecting[i] = spawn_quiet(argv, log.get(), log.get());
    }
    for (std::size_t i = 0; i < logins.size(); ++i) {
        if (logins[i].local) {
            continue;
        }
        int code = connecting[i] < 0 ? 127 : wait_exit(connecting[i]);
        m_hosts[i].up = code == 0;
        if (!m_hosts[i].up) {
            std::string why = connecting[i] < 0 ? "cannot run " + m_ssh.front() : last_line(m_hosts[i].log);
            warn("host " + logins[i].name + " cannot be reached (" + (why.empty() ? "ssh exit " + std::to_string(code) : why) +
                 "); it gets no jobs");
        }
    }
}

SshMasters::~SshMasters()
{
    for (const auto& host : m_hosts) {
        if (!host.login.local && alive_at(host.control_path)) {
            std::vector<std::string> argv = m_ssh;
            argv.insert(argv.end(), {"-o", "ControlPath=" + host.control_path, "-O", "exit", host.login.destination});
            run_to_end(argv, nullptr);
        }
        ::unlink(host.control_path.c_str());
        ::unlink(host.log.c_str());
    }
    ::rmdir(m_dir.c_str());
}

bool SshMasters::alive_at(const std::string& path)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        return false;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    return socket && ::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

bool SshMasters::alive(std::size_t host) const
{
    return alive_at(m_hosts[host].control_path);
}

std::optional<std::size_t> SshMasters::cpu_count(std::size_t host) const
{
    RemoteSetup setup;
    setup.ssh = m_ssh;
    std::vector<std::string> argv = ssh_words(setup, m_hosts[host].login, m_hosts[host].control_path);
    argv.emplace_back("nproc 2>/dev/null || getconf _NPROCESSORS_ONLN");
    std::string out;
    if (run_to_end(argv, &out) != 0) {
        return std::nullopt;
    }
    std::size_t count = 0;
    auto [ptr, ec] = std::from_chars(out.data(), out.data() + out.size(), count);
    if (ec != std::errc() || count == 0) {
        return std::nullopt;
    }
    return count;
}

} // namespace fanout
