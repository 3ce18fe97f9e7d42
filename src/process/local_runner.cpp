#include "local_runner.hpp"

#include "error.hpp"
#include "process.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

extern char** environ;

namespace fanout {

namespace {

constexpr std::string_view k_job_variables[] = {
    "FANOUT_SEQ=", "FANOUT_SLOT=", "PARALLEL_SEQ=", "PARALLEL_JOBSLOT="};
// Room for the job variables' values and pointers.
constexpr std::size_t k_job_variables_size = 4 * (20 + 20 + sizeof(char*));

bool is_job_variable(std::string_view entry)
{
    for (auto prefix : k_job_variables) {
        if (entry.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

// Whether one of `variables` (NAME=value) sets the variable of `entry`.
bool set_by(const std::vector<std::string>& variables, std::string_view entry)
{
    std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos) {
        return false;
    }
    std::string_view name = entry.substr(0, equals + 1);
    for (const auto& variable : variables) {
        if (variable.starts_with(name)) {
            return true;
        }
    }
    return false;
}

} // namespace

std::size_t job_environment_size(std::string_view slot_variable)
{
    std::size_t size = k_job_variables_size;
    if (!slot_variable.empty()) {
        size += slot_variable.size() + 1 + 20 + 1 + sizeof(char*);
    }
    for (char** entry = environ; *entry != nullptr; ++entry) {
        size += std::strlen(*entry) + 1 + sizeof(char*);
    }
    return size;
}

LocalRunner::LocalRunner(bool capture) : m_capture(capture)
{
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (!is_job_variable(*entry)) {
            m_base_env.push_back(*entry);
        }
    }
}

void LocalRunner::set_slot_variable(const std::string& name)
{
    m_slot_variable = name + "=";
    std::erase_if(m_base_env,
                  [this](const char* entry) { return std::string_view(entry).starts_with(m_slot_variable); });
}

const std::string& LocalRunner::resolve(const std::string& name)
{
    auto it = m_paths.find(name);
    if (it == m_paths.end()) {
        it = m_paths.emplace(name, find_executable(name)).first;
    }
    return it->second;
}

StartResult LocalRunner::start(std::uint64_t seq, const Command& command, std::size_t slot)
{
    if (command.make_cwd) {
        int error = command.cwd.empty() ? ENOENT : make_directories(command.cwd);
        if (error != 0) {
            return StartResult::failed(StartResult::Kind::bad_workdir,
                                       std::string("cannot make it: ") + std::strerror(error));
        }
    }
    const std::string& path = resolve(command.argv.front());
    if (path.empty()) {
        return start_result_of(ENOENT, command.cwd);
    }
    std::string seq_text = std::to_string(seq);
    std::string slot_text = std::to_string(slot);
    std::string variables[] = {
        std::string(k_job_variables[0]) + seq_text, std::string(k_job_variables[1]) + slot_text,
        std::string(k_job_variables[2]) + seq_text, std::string(k_job_variables[3]) + slot_text};
    m_envp.clear();
    for (const char* entry : m_base_env) {
        if (command.env.empty() || !set_by(command.env, entry)) {
            m_envp.push_back(entry);
        }
    }
    for (const auto& variable : variables) {
        m_envp.push_back(variable.c_str());
    }
    std::string slot_variable;
    if (!m_slot_variable.empty()) {
        slot_variable = m_slot_variable + std::to_string(slot > 0 ? slot - 1 : 0);
        m_envp.push_back(slot_variable.c_str());
    }
    for (const auto& variable : command.env) {
        m_envp.push_back(variable.c_str());
    }
    m_envp.push_back(nullptr);
    SpawnRequest request;
    request.path = &path;
    request.argv = &command.argv;
    request.envp = &m_envp;
    request.capture = m_capture;
    request.feed_stdin = command.input != nullptr || command.stream_input;
    request.cwd = &command.cwd;
    request.inherit = &m_inherited;
    request.die_with_us = m_die_with_us;
    if (int error = m_processes.start(seq, request); error != 0) {
        struct stat st {};
        if (error == EACCES && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            error = EISDIR; // execve() says only "Permission denied"
        }
        return start_result_of(error, command.cwd);
    }
    if (request.feed_stdin) {
        m_processes.feed(seq, command.input, !command.stream_input);
    }
    return {};
}

StartResult DryRunRunner::start(std::uint64_t seq, const Command& command, std::size_t)
{
    m_shown.emplace_back(seq, command.display + "\n");
    return {};
}

void DryRunRunner::wait(ProcessEvents& events, std::span<Waitable* const> also, std::optional<Millis> timeout)
{
    std::vector<pollfd> fds;
    WatchList watches(also, fds);
    if (m_shown.empty()) {
        // Nothing to show: wait as a real runner would, for room in our stdout.
        int ms = timeout ? static_cast<int>(std::min<long long>(timeout->count(), 60'000)) : -1;
        if (::poll(fds.data(), fds.size(), ms) < 0 && errno != EINTR) {
            throw Error(os_error("poll"));
        }
    }
    auto shown = std::move(m_shown);
    m_shown.clear();
    for (const auto& [seq, text] : shown) {
        events.on_output(seq, Stream::out, text);
        events.on_exit(seq, JobExit{});
    }
    watches.hand_back(fds);
}

} // namespace fanout
