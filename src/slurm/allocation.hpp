// The Slurm allocation fanout runs in (salloc, sbatch): its nodes and the CPUs it has on
// each, as Slurm tells them in the environment of the allocation's first step.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fanout {

struct SlurmNode {
    std::string name;
    std::size_t cpus = 1; // the allocation's CPUs on it
};

struct SlurmAllocation {
    std::string job_id;
    std::vector<SlurmNode> nodes;
};

// The Slurm variable `name` (SLURM_JOB_ID...) of our environment, empty when unset.
std::string slurm_variable(const char* name);

// SLURM_JOB_CPUS_PER_NODE ("72(x2),36": 72 on the first two nodes, 36 on the third)
// as one count per node. Throws Error naming the variable for anything else.
std::vector<std::size_t> parse_cpus_per_node(std::string_view text);

// The allocation of this environment: SLURM_JOB_ID, SLURM_JOB_NODELIST expanded by
// `scontrol show hostnames` (Slurm's own reading of its host lists), and
// SLURM_JOB_CPUS_PER_NODE. Throws Error when there is no allocation, saying so.
SlurmAllocation read_allocation();

} // namespace fanout
