#include "arg_limits.hpp"
#include "batcher.hpp"
#include "command_template.hpp"
#include "input.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

using fanout::ArgLimits;
using fanout::Batcher;
using fanout::BatchRules;
using fanout::CommandTemplate;
using fanout::Input;
using fanout::InputSettings;
using fanout::JobSpec;
using fanout::JobValues;
using fanout::ReadStatus;
using fanout::SourceSpec;
using fanout::TemplateSyntax;

using Argv = std::vector<std::string>;

namespace {

constexpr std::size_t k_slot = 12345; // a slot number longer than any real one

SourceSpec args(Argv values)
{
    SourceSpec spec;
    spec.kind = SourceSpec::Kind::args;
    spec.args = std::move(values);
    return spec;
}

InputSettings options_of(std::vector<SourceSpec> sources)
{
    InputSettings options;
    options.sources = std::move(sources);
    return options;
}

ArgLimits limits_of(std::size_t max_bytes, std::size_t max_single)
{
    ArgLimits limits;
    limits.max_bytes = max_bytes;
    limits.max_single = max_single;
    return limits;
}

ArgLimits roomy_limits()
{
    return limits_of(1024 * 1024, 128 * 1024);
}

// Reads every job; fails when there are more than `most`.
std::vector<JobSpec> read_jobs(Batcher& batcher, std::size_t most = 10000)
{
    std::vector<JobSpec> jobs;
    JobSpec job;
    ReadStatus status;
    while ((status = batcher.next(job, true)) == ReadStatus::record) {
        jobs.push_back(job);
        REQUIRE_MESSAGE(jobs.size() <= most, "more than ", most, " jobs: the last has args ", job.args);
    }
    CHECK(status == ReadStatus::end);
    return jobs;
}

std::vector<JobSpec> batch(const std::vector<SourceSpec>& sources, const CommandTemplate* command,
                           BatchRules rules, ArgLimits limits, std::size_t most = 10000)
{
    Input input(options_of(sources));
    Batcher batcher(input, command, rules, limits);
    return read_jobs(batcher, most);
}

std::vector<JobSpec> batch(const Argv& values, const CommandTemplate& command, BatchRules rules,
                           ArgLimits limits)
{
    return batch({args(values)}, &command, rules, limits);
}

std::vector<std::size_t> sizes_of(const std::vector<JobSpec>& jobs)
{
    std::vector<std::size_t> sizes;
    for (const auto& job : jobs) {
        sizes.push_back(job.args.size());
    }
    return sizes;
}

// The jobs' arguments, one after the other.
Argv all_args(const std::vector<JobSpec>& jobs)
{
    Argv all;
    for (const auto& job : jobs) {
        all.insert(all.end(), job.args.begin(), job.args.end());
    }
    return all;
}

void check_sequence_numbers(const std::vector<JobSpec>& jobs)
{
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        CHECK(jobs[i].seq == i + 1);
    }
}

Argv numbered(std::size_t count)
{
    Argv values;
    for (std::size_t i = 1; i <= count; ++i) {
        values.push_back(std::to_string(i));
    }
    return values;
}

// Values of mixed lengths, some with characters the shell needs quoted.
Argv mixed_values(std::size_t count, unsigned seed)
{
    std::mt19937 random(seed);
    Argv values;
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t length = std::uniform_int_distribution<std::size_t>(0, 40)(random);
        std::string value;
        for (std::size_t c = 0; c < length; ++c) {
            value += "ab/c.d 'e$"[std::uniform_int_distribution<std::size_t>(0, 9)(random)];
        }
        values.push_back(value);
    }
    return values;
}

// Checks that every job's real expansion fits the limits; names the first that does not.
void check_jobs_fit(const std::vector<JobSpec>& jobs, const CommandTemplate& command, const ArgLimits& limits)
{
    std::size_t misfits = 0;
    std::string first;
    for (const auto& job : jobs) {
        auto real = fanout::measure(command.expand(JobValues{job.args, job.seq, k_slot}).argv);
        if (!job.too_long && limits.fits(real)) {
            continue;
        }
        if (++misfits == 1) {
            first = "job " + std::to_string(job.seq) + " with " + std::to_string(job.args.size()) +
                    " args: too_long " + (job.too_long ? "true" : "false") + ", real bytes/count/longest " +
                    std::to_string(real.bytes) + "/" + std::to_string(real.count) + "/" +
                    std::to_string(real.longest) + ", limits max_bytes " + std::to_string(limits.max_bytes) +
                    " max_single " + std::to_string(limits.max_single);
        }
    }
    CHECK_MESSAGE(misfits == 0, misfits, " of ", jobs.size(), " jobs do not fit; the first: ", first);
}

} // namespace

TEST_CASE("Batcher: one record per job by default")
{
    CommandTemplate command({"echo"}, {});
    auto jobs = batch({"a", "b c"}, command, BatchRules{}, roomy_limits());
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].args == Argv{"a"});
    CHECK(jobs[1].args == Argv{"b c"});
    check_sequence_numbers(jobs);
    CHECK(jobs[1].origin == "::: arguments record 2");
    SUBCASE("a record's columns are the job's arguments")
    {
        auto paired = batch({args({"a", "b"}), args({"1"})}, &command, BatchRules{}, roomy_limits());
        REQUIRE(paired.size() == 2);
        CHECK(paired[0].args == Argv{"a", "1"});
        CHECK(paired[1].args == Argv{"b", "1"});
    }
}

TEST_CASE("Batcher: -n 3 over 10 records gives jobs of 3, 3, 3 and 1")
{
    CommandTemplate command({"echo"}, {});
    auto jobs = batch(numbered(10), command, BatchRules{3, false}, roomy_limits());
    CHECK(sizes_of(jobs) == std::vector<std::size_t>{3, 3, 3, 1});
    check_sequence_numbers(jobs);
    CHECK(all_args(jobs) == numbered(10));
    REQUIRE(jobs.size() == 4);
    CHECK(jobs[0].origin == "::: arguments record 1");
    CHECK(jobs[1].origin == "::: arguments record 4");
    CHECK(jobs[3].origin == "::: arguments record 10");
    CHECK(jobs[3].args == Argv{"10"});
    SUBCASE("records with several columns")
    {
        auto paired =
            batch({args({"a", "b"}), args({"1", "2"})}, &command, BatchRules{2, false}, roomy_limits(), 5);
        REQUIRE(paired.size() == 2);
        CHECK(paired[0].args == Argv{"a", "1", "a", "2"});
        CHECK(paired[1].args == Argv{"b", "1", "b", "2"});
    }
}

TEST_CASE("Batcher: -n 3 over several sources: the short last batch ends the jobs")
{
    CommandTemplate command({"echo"}, {});
    auto jobs =
        batch({args({"a", "b"}), args({"1", "2"})}, &command, BatchRules{3, false}, roomy_limits(), 5);
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].args == Argv{"a", "1", "a", "2", "b", "1"});
    CHECK(jobs[1].args == Argv{"b", "2"});
}

TEST_CASE("Batcher: -X over several sources: one job, then the end")
{
    CommandTemplate command({"echo"}, {});
    auto jobs =
        batch({args({"a", "b"}), args({"1", "2"})}, &command, BatchRules{0, false}, roomy_limits(), 5);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].args == Argv{"a", "1", "a", "2", "b", "1", "b", "2"});
}

// GNU parallel's -X and -m: the first batch that reaches the end of input is shared out
// over the job slots, ceil(records / slots) each, and no later batch is larger.
std::vector<std::size_t> spread_sizes(std::size_t records, std::size_t slots, std::size_t max_records,
                                      ArgLimits limits = roomy_limits())
{
    CommandTemplate command({"echo"}, {});
    Input input(options_of({args(numbered(records))}));
    Batcher batcher(input, &command, BatchRules{max_records, false, true}, limits);
    batcher.spread_over(slots);
    auto jobs = read_jobs(batcher);
    CHECK(all_args(jobs) == numbered(records));
    check_sequence_numbers(jobs);
    return sizes_of(jobs);
}

TEST_CASE("Batcher: -X and -m spread the last records over the job slots")
{
    using Sizes = std::vector<std::size_t>;
    CHECK(spread_sizes(7, 1, 0) == Sizes{7});
    CHECK(spread_sizes(7, 2, 0) == Sizes{4, 3});
    CHECK(spread_sizes(7, 3, 0) == Sizes{3, 3, 1});
    CHECK(spread_sizes(7, 4, 0) == Sizes{2, 2, 2, 1});
    CHECK(spread_sizes(7, 5, 0) == Sizes{2, 2, 2, 1});
    CHECK(spread_sizes(3, 8, 0) == Sizes{1, 1, 1});
    CHECK(spread_sizes(1, 4, 0) == Sizes{1});
    SUBCASE("with -n: a full batch at the end of input is spread too, earlier ones are not")
    {
        CHECK(spread_sizes(4, 2, 4) == Sizes{2, 2});
        CHECK(spread_sizes(5, 2, 3) == Sizes{3, 1, 1});
        CHECK(spread_sizes(7, 3, 5) == Sizes{5, 1, 1});
        CHECK(spread_sizes(3, 3, 1) == Sizes{1, 1, 1});
    }
    SUBCASE("cut by length first: the batch that reaches the end is spread")
    {
        ArgLimits narrow = limits_of(80, 100);
        Sizes alone = spread_sizes(20, 1, 0, narrow);
        REQUIRE(alone.size() > 1);
        Sizes spread = spread_sizes(20, 2, 0, narrow);
        Sizes expected(alone.begin(), alone.end() - 1);
        expected.push_back((alone.back() + 1) / 2);
        expected.push_back(alone.back() / 2);
        CHECK(spread == expected);
    }
}

TEST_CASE("Batcher: -X and -m put as many records in a job as fit")
{
    ArgLimits limits = limits_of(400, 300);
    Argv values = mixed_values(300, 5);
    struct Case {
        Argv words;
        bool context_replace;
    };
    const std::vector<Case> cases = {
        {{"echo"}, false},
        {{"echo", "{}", "|", "cat"}, false},
        {{"echo", "pre{}post"}, true},
        {{"echo", "pre{}post", ";"}, true},
        {{"echo", "{/}", "{.}"}, false},
        {{"echo", "{#}", "{%}", "{}"}, true},
    };
    for (const auto& c : cases) {
        TemplateSyntax syntax;
        syntax.context_replace = c.context_replace;
        CommandTemplate command(c.words, syntax);
        CAPTURE(c.words);
        CAPTURE(command.needs_shell());
        auto jobs = batch(values, command, BatchRules{0, false}, limits);
        CHECK(jobs.size() > 1);
        CHECK(jobs.size() < values.size() / 3);
        CHECK(all_args(jobs) == values);
        check_sequence_numbers(jobs);
        check_jobs_fit(jobs, command, limits);
    }
}

TEST_CASE("Batcher: a -X job with {#} beside {} still fits")
{
    ArgLimits limits = limits_of(2000, 1000);
    TemplateSyntax syntax;
    syntax.context_replace = true;
    CommandTemplate command({"echo", "{#}-{}"}, syntax);
    auto jobs = batch(numbered(3000), command, BatchRules{0, false}, limits);
    CHECK(all_args(jobs) == numbered(3000));
    check_jobs_fit(jobs, command, limits);
}

TEST_CASE("Batcher: -X with {1} inside the repeated word: batches are checked and still fit")
{
    ArgLimits limits = limits_of(4000, 2000);
    TemplateSyntax syntax;
    syntax.context_replace = true;
    CommandTemplate command({"echo", "{1}{}"}, syntax);
    std::vector<std::string> values = numbered(2000);
    values.front() = std::string(40, 'w'); // {1} is long, and -X repeats it with every {}
    auto jobs = batch(values, command, BatchRules{0, false}, limits);
    CHECK(all_args(jobs) == values);
    CHECK(jobs.size() > 1);
    check_jobs_fit(jobs, command, limits);
}

TEST_CASE("Batcher: a record too long for any job becomes a job of its own that says so")
{
    CommandTemplate command({"echo"}, {});
    std::string huge(600, 'h');
    SUBCASE("-X")
    {
        auto jobs = batch({"a", huge, "b", "c"}, command, BatchRules{0, false}, limits_of(400, 300));
        REQUIRE(jobs.size() == 3);
        CHECK(jobs[0].args == Argv{"a"});
        CHECK_FALSE(jobs[0].too_long);
        CHECK(jobs[1].args == Argv{huge});
        CHECK(jobs[1].too_long);
        CHECK(jobs[1].origin == "::: arguments record 2");
        CHECK(jobs[2].args == Argv{"b", "c"});
        CHECK_FALSE(jobs[2].too_long);
        check_sequence_numbers(jobs);
    }
    SUBCASE("-n 2")
    {
        auto jobs = batch({"a", huge, "b", "c", "d"}, command, BatchRules{2, false}, limits_of(400, 300));
        REQUIRE(jobs.size() == 4);
        CHECK(jobs[0].args == Argv{"a"});
        CHECK(jobs[1].args == Argv{huge});
        CHECK(jobs[1].too_long);
        CHECK(jobs[2].args == Argv{"b", "c"});
        CHECK(jobs[3].args == Argv{"d"});
        CHECK_FALSE(jobs[0].too_long);
        CHECK_FALSE(jobs[2].too_long);
        CHECK_FALSE(jobs[3].too_long);
        check_sequence_numbers(jobs);
    }
    SUBCASE("one word longer than a single argument may be")
    {
        std::string wide(80, 'w');
        auto jobs = batch({"a", wide, "b"}, command, BatchRules{0, false}, limits_of(4000, 50));
        REQUIRE(jobs.size() == 3);
        CHECK(jobs[1].args == Argv{wide});
        CHECK(jobs[1].too_long);
        CHECK_FALSE(jobs[0].too_long);
        CHECK_FALSE(jobs[2].too_long);
    }
    SUBCASE("the last record")
    {
        auto jobs = batch({"a", "b", huge}, command, BatchRules{0, false}, limits_of(400, 300));
        REQUIRE(jobs.size() == 2);
        CHECK(jobs[0].args == Argv{"a", "b"});
        CHECK(jobs[1].too_long);
    }
}

TEST_CASE("Batcher: a record holding a NUL byte becomes a job of its own that says why it cannot run")
{
    using namespace std::string_literals;
    CommandTemplate command({"echo"}, {});
    std::string nul = "b\0c"s;
    std::string why = fanout::nul_byte_message("::: arguments", 2, 1);
    SUBCASE("one record per job")
    {
        auto jobs = batch({"a", nul, "d"}, command, BatchRules{1, false}, roomy_limits());
        REQUIRE(jobs.size() == 3);
        CHECK(jobs[0].unusable.empty());
        CHECK(jobs[1].unusable == why);
        CHECK(jobs[2].unusable.empty());
    }
    SUBCASE("-X")
    {
        auto jobs = batch({"a", nul, "d", "e"}, command, BatchRules{0, false}, roomy_limits());
        REQUIRE(jobs.size() == 3);
        CHECK(jobs[0].args == Argv{"a"});
        CHECK(jobs[0].unusable.empty());
        CHECK(jobs[1].args == Argv{nul});
        CHECK(jobs[1].unusable == why);
        CHECK_FALSE(jobs[1].too_long);
        CHECK(jobs[1].origin == "::: arguments record 2");
        CHECK(jobs[2].args == Argv{"d", "e"});
        CHECK(jobs[2].unusable.empty());
        check_sequence_numbers(jobs);
    }
    SUBCASE("-N 0: nothing of the record reaches the command, so it runs")
    {
        CommandTemplate hi({"echo", "hi"}, {});
        auto jobs = batch({"a", nul}, hi, BatchRules{1, true}, roomy_limits());
        REQUIRE(jobs.size() == 2);
        CHECK(jobs[1].unusable.empty());
    }
}

TEST_CASE("Batcher: -N0 drops the arguments, one job per record")
{
    CommandTemplate command({"echo", "hi"}, {});
    auto jobs = batch({"a", "b", "c"}, command, BatchRules{1, true}, roomy_limits());
    REQUIRE(jobs.size() == 3);
    for (const auto& job : jobs) {
        CHECK(job.args.empty());
        CHECK_FALSE(job.too_long);
    }
    check_sequence_numbers(jobs);
    CHECK(jobs[2].origin == "::: arguments record 3");
}

TEST_CASE("Batcher: without a command every record is a job")
{
    auto jobs = batch({args({"echo a", "echo b"})}, nullptr, BatchRules{0, false}, limits_of(400, 300));
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].args == Argv{"echo a"});
    CHECK(jobs[1].args == Argv{"echo b"});
    check_sequence_numbers(jobs);
}

TEST_CASE("Batcher: a batch waits for input without blocking, then goes on")
{
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    SourceSpec source;
    source.path = "/dev/fd/" + std::to_string(fds[0]);
    Input input(options_of({source}));
    ::close(fds[0]);
    CommandTemplate command({"echo"}, {});
    Batcher batcher(input, &command, BatchRules{3, false}, roomy_limits());
    CHECK(batcher.wait_fd() >= 0);

    JobSpec job;
    REQUIRE(::write(fds[1], "a\nb\n", 4) == 4);
    CHECK(batcher.next(job, false) == ReadStatus::would_block);
    REQUIRE(::write(fds[1], "c\nd\n", 4) == 4);
    REQUIRE(batcher.next(job, false) == ReadStatus::record);
    CHECK(job.args == Argv{"a", "b", "c"});
    CHECK(job.seq == 1);
    CHECK(batcher.next(job, false) == ReadStatus::would_block);
    ::close(fds[1]);
    REQUIRE(batcher.next(job, false) == ReadStatus::record);
    CHECK(job.args == Argv{"d"});
    CHECK(job.seq == 2);
    CHECK(batcher.next(job, false) == ReadStatus::end);
}
