#include "allocation.hpp"

#include "aux_process.hpp"
#include "error.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <sstream>

namespace fanout {

namespace {

// scontrol answers at once when slurmctld is up; when it is not, it retries for about
// MessageTimeout (10 s by default) before it gives up.
constexpr auto k_scontrol_deadline = std::chrono::seconds(60);

std::size_t parse_count(std::string_view text, std::string_view whole)
{
    std::size_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value == 0) {
        throw Error("SLURM_JOB_CPUS_PER_NODE: cannot read '" + std::string(whole) +
                    "' (expected counts such as 4(x2),2)");
    }
    return value;
}

std::vector<std::string> expand_nodelist(const std::string& nodelist)
{
    AuxIo io;
    io.capture = true;
    io.stderr_fd = 2; // scontrol's own complaint says best what went wrong
    AuxProcess scontrol({"scontrol", "show", "hostnames", nodelist}, io);
    AuxWaitResult waited = wait_for_all({&scontrol}, AuxProcess::Clock::now() + k_scontrol_deadline, true);
    if (waited.end == AuxWaitEnd::interrupted) {
        throw Interrupted(waited.signal); // Ctrl-C while slurmctld is slow to answer
    }
    if (!scontrol.done()) {
        throw Error("--slurm: `scontrol show hostnames` did not answer within a minute");
    }
    if (scontrol.exit_code() == 127) {
        throw Error("--slurm: scontrol not found (Slurm's client programs must be in PATH)");
    }
    if (scontrol.exit_code() != 0) {
        throw Error("--slurm: `scontrol show hostnames " + nodelist + "` failed (exit " +
                    std::to_string(scontrol.exit_code()) + ")");
    }
    std::vector<std::string> names;
    std::istringstream lines(scontrol.output());
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) {
            names.push_back(line);
        }
    }
    return names;
}

} // namespace

std::string slurm_variable(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::vector<std::size_t> parse_cpus_per_node(std::string_view text)
{
    std::vector<std::size_t> counts;
    std::string_view rest = text;
    while (true) {
        std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        std::size_t repeat = 1;
        if (std::size_t open = item.find("(x"); open != std::string_view::npos) {
            if (item.back() != ')') {
                parse_count("", text); // throws
            }
            repeat = parse_count(item.substr(open + 2, item.size() - open - 3), text);
            item = item.substr(0, open);
        }
        counts.insert(counts.end(), repeat, parse_count(item, text));
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 1);
    }
    return counts;
}

SlurmAllocation read_allocation()
{
    SlurmAllocation allocation;
    allocation.job_id = slurm_variable("SLURM_JOB_ID");
    std::string nodelist = slurm_variable("SLURM_JOB_NODELIST");
    std::string cpus = slurm_variable("SLURM_JOB_CPUS_PER_NODE");
    if (allocation.job_id.empty() || nodelist.empty() || cpus.empty()) {
        throw Error("--slurm runs inside a Slurm allocation, and this is not one (SLURM_JOB_ID, "
                    "SLURM_JOB_NODELIST or SLURM_JOB_CPUS_PER_NODE is not set): run fanout under "
                    "salloc or in an sbatch script");
    }
    std::vector<std::string> names = expand_nodelist(nodelist);
    std::vector<std::size_t> counts = parse_cpus_per_node(cpus);
    if (names.empty() || names.size() != counts.size()) {
        throw Error("--slurm: SLURM_JOB_NODELIST names " + std::to_string(names.size()) +
                    " nodes but SLURM_JOB_CPUS_PER_NODE gives " + std::to_string(counts.size()));
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        allocation.nodes.push_back({names[i], counts[i]});
    }
    return allocation;
}

} // namespace fanout
