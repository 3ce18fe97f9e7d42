// The worker fanout runs as one job step on each node of a Slurm allocation
// (`fanout --slurm-worker`, started by SlurmRunner through srun): it runs the jobs it is
// sent as children of its own, inside the step (its cgroup, its accounting), and sends
// back their output and exits. Its stdin and stdout are the conversation with fanout.
#pragma once

namespace fanout {

// Runs until fanout hangs up (end of stdin) and every job has ended; a signal from
// Slurm (scancel, the step's end) stops the jobs as Ctrl-C stops a run. Returns the
// worker's exit code.
int run_slurm_worker();

} // namespace fanout
