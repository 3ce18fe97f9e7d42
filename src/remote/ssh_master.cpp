#include "ssh_master.hpp"

#include "aux_process.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "remote_command.hpp"
#include "temp_file.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace fanout {

namespace {

// How long a master may take to log in: ConnectTimeout bounds only the TCP connect,
// and an ssh that asks for a password or a host key answer can wait for ever.
constexpr auto k_login_time = std::chrono::seconds(60);
// How long `ssh -O exit` and a remote CPU count may take.
constexpr auto k_query_time = std::chrono::seconds(10);

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

SshMasters::SshMasters(std::vector<std::string> ssh, const std::vector<SshLogin>& logins, const Warn& warn)
    : m_ssh(std::move(ssh))
{
    m_dir = make_private_dir();
    std::vector<std::optional<AuxProcess>> connecting(logins.size());
    std::vector<AuxProcess*> waiting;
    for (std::size_t i = 0; i < logins.size(); ++i) {
        Host host{logins[i], m_dir + "/" + std::to_string(i), m_dir + "/" + std::to_string(i) + ".log",
                  false};
        m_hosts.push_back(host);
        if (logins[i].local) {
            m_hosts.back().up = true;
            continue;
        }
        Fd log(::open(host.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        connecting[i].emplace(master_argv(host), AuxIo{log.get(), log.get(), false});
        waiting.push_back(&*connecting[i]);
    }
    // Ctrl-C while logging in: the masters still connecting are killed with their
    // AuxProcess, those that are up closed, and main() dies by the signal.
    AuxWaitResult waited = wait_for_all(waiting, AuxProcess::Clock::now() + k_login_time, true);
    if (waited.end == AuxWaitEnd::interrupted) {
        connecting.clear();
        close_all();
        throw Interrupted(waited.signal);
    }
    for (std::size_t i = 0; i < logins.size(); ++i) {
        if (!connecting[i]) {
            continue;
        }
        const AuxProcess& login = *connecting[i];
        m_hosts[i].up = login.done() && login.exit_code() == 0;
        if (!m_hosts[i].up) {
            std::string why = !login.started() ? "cannot run " + m_ssh.front()
                              : !login.done()
                                  ? "no login within " + std::to_string(k_login_time.count()) + " s"
                                  : last_line(m_hosts[i].log);
            warn("host " + logins[i].name + " cannot be reached (" +
                 (why.empty() ? "ssh exit " + std::to_string(login.exit_code()) : why) +
                 "); it gets no jobs");
        }
    }
}

// -f: once logged in, the master goes to the background and this ssh exits 0.
std::vector<std::string> SshMasters::master_argv(const Host& host) const
{
    std::vector<std::string> argv = m_ssh;
    argv.insert(argv.end(),
                {"-f", "-N", "-T", "-o", "ControlMaster=yes", "-o", "ControlPath=" + host.control_path, "-o",
                 "ControlPersist=yes", "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3", "-o",
                 "ConnectTimeout=10"});
    if (host.login.port) {
        argv.insert(argv.end(), {"-p", std::to_string(*host.login.port)});
    }
    argv.push_back(host.login.destination);
    return argv;
}

SshMasters::~SshMasters()
{
    close_all();
}

// Every master is asked to exit at once; one that does not answer in time is left to
// its ServerAlive checks, as it would be if fanout were killed.
void SshMasters::close_all()
{
    std::vector<AuxProcess> closing;
    closing.reserve(m_hosts.size());
    for (const auto& host : m_hosts) {
        if (!host.login.local && alive_at(host.control_path)) {
            std::vector<std::string> argv = m_ssh;
            argv.insert(argv.end(),
                        {"-o", "ControlPath=" + host.control_path, "-O", "exit", host.login.destination});
            closing.emplace_back(argv);
        }
    }
    std::vector<AuxProcess*> waiting;
    for (auto& helper : closing) {
        waiting.push_back(&helper);
    }
    wait_for_all(waiting, AuxProcess::Clock::now() + k_query_time, false);
    for (const auto& host : m_hosts) {
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
    AuxProcess query(argv, AuxIo{-1, -1, true});
    AuxWaitResult waited = wait_for_all({&query}, AuxProcess::Clock::now() + k_query_time, true);
    if (waited.end == AuxWaitEnd::interrupted) {
        throw Interrupted(waited.signal);
    }
    if (!query.done() || query.exit_code() != 0) {
        return std::nullopt;
    }
    const std::string& out = query.output();
    std::size_t count = 0;
    auto [ptr, ec] = std::from_chars(out.data(), out.data() + out.size(), count);
    if (ec != std::errc() || count == 0) {
        return std::nullopt;
    }
    return count;
}

} // namespace fanout
