#include "halt.hpp"

#include <doctest/doctest.h>

using fanout::halt_exit_code;
using fanout::halt_reached;
using fanout::HaltPolicy;
using fanout::JobCounts;
using fanout::parse_halt;
using fanout::unhalted_exit_code;

TEST_CASE("halt: N% is a share of all the jobs when their number is known, as GNU parallel")
{
    HaltPolicy half = parse_halt("soon,fail=50%");
    // 5 jobs: 2.5 must fail, so 2 failures are not enough, 3 are.
    CHECK(!halt_reached(half, JobCounts{2, 0, 5}));
    CHECK(halt_reached(half, JobCounts{3, 0, 5}));
    CHECK(halt_exit_code(half, JobCounts{3, 0, 5}, 1) == 60);
    // 30% of 5 is 1.5 jobs: halted at the second failure, exit 2 of 5 = 40%.
    HaltPolicy thirty = parse_halt("now,fail=30%");
    CHECK(!halt_reached(thirty, JobCounts{1, 1, 5}));
    CHECK(halt_reached(thirty, JobCounts{2, 1, 5}));
    CHECK(halt_exit_code(thirty, JobCounts{2, 1, 5}, 1) == 40);
    SUBCASE("an N% that is exactly one job exits as that job did")
    {
        HaltPolicy twenty = parse_halt("soon,fail=20%");
        CHECK(halt_reached(twenty, JobCounts{1, 1, 5}));
        CHECK(halt_exit_code(twenty, JobCounts{1, 1, 5}, 7) == 7);
    }
    SUBCASE("done=N%: the failed jobs' share, rounded up")
    {
        HaltPolicy done = parse_halt("soon,done=40%");
        CHECK(!halt_reached(done, JobCounts{1, 0, 5}));
        CHECK(halt_reached(done, JobCounts{1, 1, 5}));
        CHECK(halt_exit_code(done, JobCounts{1, 1, 5}, 0) == 20);
        CHECK(halt_exit_code(parse_halt("soon,done=50%"), JobCounts{1, 2, 6}, 0) == 17);
    }
    SUBCASE("success=N%: exit 0")
    {
        HaltPolicy success = parse_halt("now,success=50%");
        CHECK(halt_reached(success, JobCounts{0, 3, 5}));
        CHECK(halt_exit_code(success, JobCounts{0, 3, 5}, 0) == 0);
    }
}

TEST_CASE("halt: a run that ends without halting")
{
    // With N%: the failed jobs' share of those run, rounded up (GNU parallel); else the count.
    CHECK(unhalted_exit_code(parse_halt("soon,fail=50%"), JobCounts{2, 3, 5}) == 40);
    CHECK(unhalted_exit_code(parse_halt("soon,fail=50%"), JobCounts{1, 2, 3}) == 34);
    CHECK(unhalted_exit_code(parse_halt("soon,fail=50%"), JobCounts{0, 3, 3}) == 0);
    CHECK(unhalted_exit_code(parse_halt("soon,fail=3"), JobCounts{2, 3, {}}) == 2);
    CHECK(unhalted_exit_code(parse_halt("never"), JobCounts{2, 3, {}}) == 2);
}

TEST_CASE("halt: counts: fail=1 and done=1 exit as the job that triggered them")
{
    CHECK(halt_exit_code(parse_halt("now,fail=1"), JobCounts{1, 0, {}}, 3) == 3);
    CHECK(halt_exit_code(parse_halt("soon,done=1"), JobCounts{1, 0, {}}, 4) == 4);
    CHECK(halt_exit_code(parse_halt("soon,fail=2"), JobCounts{2, 1, {}}, 3) == 2);
    CHECK(halt_exit_code(parse_halt("soon,done=2"), JobCounts{1, 1, {}}, 0) == 1);
}
