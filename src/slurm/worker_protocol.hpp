// What fanout says to the worker it starts on each Slurm node (`fanout --slurm-worker`,
// one long-lived job step per node), and what the worker says back: frames (frame.hpp)
// each followed by a newline, since slurmstepd passes a step's output on line by line.
#pragma once

#include "command_template.hpp"
#include "duration.hpp"
#include "runner.hpp"
#include "stream.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fanout {

// Changes whenever a message changes: a worker from another fanout is refused.
inline constexpr std::string_view k_worker_protocol = "fanout-slurm-worker 1";
inline constexpr char k_frame_end = '\n';
// A report carries at most what one read of a job's pipe gave (64 KiB): a frame that says
// it is far longer is something else on the step's stdout, not a report to wait for.
inline constexpr std::size_t k_max_report = std::size_t{16} << 20;

// fanout answers whatever a worker says with an `ack`, which the worker ignores. The
// step's stdout crosses TCP from slurmstepd to srun, where a small write that follows
// another waits for the first one's ACK, which the receiver delays up to 40 ms unless
// data going back carries it: with the answer, a job's output and exit, written a moment
// apart, arrive a moment apart. (The worker need not answer: what fanout sends is
// answered by the job's output or exit anyway.)

// To the worker.
struct WorkerRequest {
    // ack: the answer to whatever the worker said (see above for why).
    enum class Kind { run, terminate, stop, kill, signal, ack };
    Kind kind = Kind::run;
    std::uint64_t seq = 0;
    std::size_t slot = 0;
    Command command; // run: what runs (argv, shell, env, directory)
    int signal = 0;  // stop: the first signal (0: none); signal: the signal
    TermSeq termseq; // terminate, stop
};

// From the worker.
struct WorkerReport {
    // leaving: Slurm is ending the step (scancel, the allocation's end, a node going
    // down): its jobs will not finish, whatever they report next.
    enum class Kind { hello, output, exit, leaving };
    Kind kind = Kind::hello;
    std::string protocol; // hello: k_worker_protocol
    std::string node;     // hello: SLURMD_NODENAME
    std::string step;     // hello: SLURM_JOB_ID.SLURM_STEP_ID, for scancel
    std::uint64_t seq = 0;
    Stream stream = Stream::out;
    std::string data;
    JobExit exit;
    int signal = 0; // leaving: the signal Slurm sent
};

std::string encode(const WorkerRequest& request);
std::string encode(const WorkerReport& report);
// Throw Error for a message that is not one.
WorkerRequest decode_request(const std::vector<std::string>& fields);
WorkerReport decode_report(const std::vector<std::string>& fields);

} // namespace fanout
