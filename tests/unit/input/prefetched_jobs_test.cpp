#include "batcher.hpp"
#include "input.hpp"
#include "prefetched_jobs.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

TEST_CASE("PrefetchedJobs: reads every job first, counts them, then hands them out in order")
{
    fanout::SourceSpec spec;
    spec.kind = fanout::SourceSpec::Kind::args;
    spec.args = {"a", "b", "c"};
    fanout::InputSettings settings;
    settings.sources = {spec};
    fanout::Input input(settings);
    fanout::CommandTemplate command({"echo"}, {});
    fanout::ArgLimits limits;
    limits.max_bytes = 1 << 20;
    limits.max_single = 1 << 17;
    fanout::Batcher batcher(input, &command, fanout::BatchRules{}, limits);
    fanout::PrefetchedJobs jobs(batcher);
    CHECK(jobs.count() == 3);
    fanout::JobSpec job;
    std::vector<std::string> seen;
    while (jobs.next(job, false) == fanout::ReadStatus::record) {
        seen.push_back(job.args.at(0) + std::to_string(job.seq));
    }
    CHECK(seen == std::vector<std::string>{"a1", "b2", "c3"});
    CHECK(jobs.next(job, false) == fanout::ReadStatus::end);
}
