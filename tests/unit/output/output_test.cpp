#include "error.hpp"
#include "output.hpp"
#include "output_buffer.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

using fanout::MemoryBudget;
using fanout::Output;
using fanout::OutputBuffer;
using fanout::OutputMode;
using fanout::Stream;

namespace {

using fanout::test::Capture;
using fanout::test::ScopedEnv;
using fanout::test::TempDir;

// An Output writing to two captured files.
struct Rig {
    explicit Rig(OutputMode mode) : out(dir, "out"), err(dir, "err"), output(mode, out.fd(), err.fd()) {}

    TempDir dir;
    Capture out;
    Capture err;
    Output output;
};

std::string pattern(std::size_t size, char seed)
{
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        data[i] = static_cast<char>(seed + static_cast<char>(i % 61));
        if (i % 80 == 79) {
            data[i] = '\n';
        }
    }
    return data;
}

} // namespace

TEST_CASE("Output --group: a job's output waits until it finishes and is never interleaved")
{
    Rig rig(OutputMode::group);
    rig.output.job_started(1, "");
    rig.output.job_started(2, "");
    rig.output.job_output(1, Stream::out, "a1\n");
    rig.output.job_output(2, Stream::out, "b1\n");
    rig.output.job_output(1, Stream::err, "e1\n");
    rig.output.job_output(1, Stream::out, "a2");
    rig.output.job_output(2, Stream::out, "b2\n");
    rig.output.job_output(1, Stream::out, "\n");
    CHECK(rig.out.text().empty());
    CHECK(rig.err.text().empty());

    rig.output.job_finished(2);
    CHECK(rig.out.text() == "b1\nb2\n");
    CHECK(rig.err.text().empty());
    rig.output.job_finished(1);
    CHECK(rig.out.text() == "b1\nb2\na1\na2\n");
    CHECK(rig.err.text() == "e1\n");
}

TEST_CASE("Output --group: output larger than the memory kept per job")
{
    TempDir spill_dir;
    ScopedEnv tmpdir("TMPDIR", spill_dir.path().string());
    Rig rig(OutputMode::group);
    std::string big_a = pattern(3 * 1024 * 1024 + 17, 'A');
    std::string big_b = pattern(2 * 1024 * 1024 + 5, 'a');
    rig.output.job_started(1, "");
    rig.output.job_started(2, "");
    for (std::size_t at = 0; at < big_a.size(); at += 100000) {
        rig.output.job_output(1, Stream::out, std::string_view(big_a).substr(at, 100000));
        if (at < big_b.size()) {
            rig.output.job_output(2, Stream::out, std::string_view(big_b).substr(at, 100000));
        }
    }
    CHECK(rig.out.text().empty());
    rig.output.job_finished(2);
    rig.output.job_finished(1);
    CHECK(rig.out.text() == big_b + big_a);
}

TEST_CASE("Output -k: output comes in input order")
{
    Rig rig(OutputMode::keep_order);
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        rig.output.job_started(seq, "");
    }
    SUBCASE("the oldest running job streams live, later ones wait")
    {
        rig.output.job_output(2, Stream::out, "two\n");
        rig.output.job_finished(2);
        CHECK(rig.out.text().empty());
        rig.output.job_output(1, Stream::out, "one-a\n");
        CHECK(rig.out.text() == "one-a\n");
        rig.output.job_output(3, Stream::out, "three-a\n");
        CHECK(rig.out.text() == "one-a\n");
        rig.output.job_output(1, Stream::out, "one-b\n");
        CHECK(rig.out.text() == "one-a\none-b\n");
        rig.output.job_finished(1);
        CHECK(rig.out.text() == "one-a\none-b\ntwo\nthree-a\n");
        rig.output.job_output(3, Stream::out, "three-b\n"); // now the oldest: live
        CHECK(rig.out.text() == "one-a\none-b\ntwo\nthree-a\nthree-b\n");
        rig.output.job_finished(3);
        CHECK(rig.out.text() == "one-a\none-b\ntwo\nthree-a\nthree-b\n");
    }
    SUBCASE("jobs finishing in reverse order")
    {
        for (std::uint64_t seq = 3; seq >= 1; --seq) {
            rig.output.job_output(seq, Stream::out, "job " + std::to_string(seq) + "\n");
            rig.output.job_output(seq, Stream::err, "err " + std::to_string(seq) + "\n");
            if (seq > 1) {
                rig.output.job_finished(seq);
                CHECK(rig.out.text().empty());
            }
        }
        CHECK(rig.out.text() == "job 1\n");
        CHECK(rig.err.text() == "err 1\n");
        rig.output.job_finished(1);
        CHECK(rig.out.text() == "job 1\njob 2\njob 3\n");
        CHECK(rig.err.text() == "err 1\nerr 2\nerr 3\n");
    }
    SUBCASE("a job started after the previous ones finished goes out at once")
    {
        rig.output.job_finished(1);
        rig.output.job_finished(2);
        rig.output.job_finished(3);
        rig.output.job_started(4, "");
        rig.output.job_output(4, Stream::out, "four\n");
        CHECK(rig.out.text() == "four\n");
    }
}

TEST_CASE("Output --line-buffer: whole lines go out as they come, never half a line")
{
    Rig rig(OutputMode::line_buffer);
    rig.output.job_started(1, "");
    rig.output.job_started(2, "");
    rig.output.job_output(1, Stream::out, "abc");
    CHECK(rig.out.text().empty());
    rig.output.job_output(2, Stream::out, "xy\nz");
    CHECK(rig.out.text() == "xy\n");
    rig.output.job_output(1, Stream::out, "def\nghi\njk");
    CHECK(rig.out.text() == "xy\nabcdef\nghi\n");
    rig.output.job_output(2, Stream::out, "z\n");
    CHECK(rig.out.text() == "xy\nabcdef\nghi\nzz\n");
    rig.output.job_output(1, Stream::err, "e");
    CHECK(rig.err.text().empty());
    rig.output.job_finished(1); // the unfinished line goes out at the end
    CHECK(rig.out.text() == "xy\nabcdef\nghi\nzz\njk");
    CHECK(rig.err.text() == "e");
    rig.output.job_finished(2);
    CHECK(rig.out.text() == "xy\nabcdef\nghi\nzz\njk");
}

TEST_CASE("Output --ungroup: output goes out at once")
{
    Rig rig(OutputMode::ungroup);
    rig.output.job_started(1, "");
    rig.output.job_started(2, "");
    rig.output.job_output(1, Stream::out, "a");
    CHECK(rig.out.text() == "a");
    rig.output.job_output(2, Stream::out, "b\n");
    CHECK(rig.out.text() == "ab\n");
    rig.output.job_output(2, Stream::err, "e");
    CHECK(rig.err.text() == "e");
    rig.output.job_finished(2);
    rig.output.job_finished(1);
    CHECK(rig.out.text() == "ab\n");
}

TEST_CASE("Output: tags prefix every line, however the output was split")
{
    SUBCASE("--group")
    {
        Rig rig(OutputMode::group);
        rig.output.job_started(1, "T1\t");
        rig.output.job_output(1, Stream::out, "a");
        rig.output.job_output(1, Stream::out, "b\nc");
        rig.output.job_output(1, Stream::out, "\n\nd\n");
        rig.output.job_output(1, Stream::err, "e\nf");
        rig.output.job_finished(1);
        CHECK(rig.out.text() == "T1\tab\nT1\tc\nT1\t\nT1\td\n");
        CHECK(rig.err.text() == "T1\te\nT1\tf");
    }
    SUBCASE("-k, across the switch from held to live")
    {
        Rig rig(OutputMode::keep_order);
        rig.output.job_started(1, "one\t");
        rig.output.job_started(2, "two\t");
        rig.output.job_output(2, Stream::out, "p");
        rig.output.job_output(1, Stream::out, "x\ny");
        rig.output.job_finished(1);
        rig.output.job_output(2, Stream::out, "q\nr\n");
        rig.output.job_finished(2);
        CHECK(rig.out.text() == "one\tx\none\tytwo\tpq\ntwo\tr\n");
    }
    SUBCASE("--line-buffer")
    {
        Rig rig(OutputMode::line_buffer);
        rig.output.job_started(1, "A\t");
        rig.output.job_started(2, "B\t");
        rig.output.job_output(1, Stream::out, "a");
        rig.output.job_output(2, Stream::out, "b\nb");
        rig.output.job_output(1, Stream::out, "a\na\n");
        rig.output.job_output(2, Stream::out, "b\n");
        CHECK(rig.out.text() == "B\tb\nA\taa\nA\ta\nB\tbb\n");
        rig.output.job_output(1, Stream::out, "end");
        rig.output.job_finished(1);
        CHECK(rig.out.text() == "B\tb\nA\taa\nA\ta\nB\tbb\nA\tend");
    }
    SUBCASE("--ungroup")
    {
        Rig rig(OutputMode::ungroup);
        rig.output.job_started(1, "U\t");
        rig.output.job_output(1, Stream::out, "a");
        rig.output.job_output(1, Stream::out, "b\nc\n");
        rig.output.job_finished(1);
        CHECK(rig.out.text() == "U\tab\nU\tc\n");
    }
}

TEST_CASE("Output: a retag makes each line's prefix afresh, a discarded attempt keeps it")
{
    Rig rig(OutputMode::line_buffer);
    int calls = 0;
    rig.output.job_started(1, "first\t", [&calls] { return std::to_string(++calls) + "\t"; });
    rig.output.job_output(1, Stream::out, "a\nb");
    rig.output.job_output(1, Stream::out, "c\n");
    CHECK(rig.out.text() == "1\ta\n2\tbc\n");
    rig.output.job_discard(1);
    rig.output.job_output(1, Stream::out, "d\n");
    CHECK(rig.out.text() == "1\ta\n2\tbc\n3\td\n");
    rig.output.job_finished(1);
    CHECK(calls == 3);
}

TEST_CASE("Output: say() writes a line of our own on stderr")
{
    Rig rig(OutputMode::group);
    rig.output.job_started(1, "");
    rig.output.job_output(1, Stream::out, "held\n");
    rig.output.say("echo a b");
    CHECK(rig.err.text() == "echo a b\n");
    CHECK(rig.out.text().empty());
}

TEST_CASE("Output: whether jobs' output must come through pipes")
{
    CHECK(Output(OutputMode::group).needs_capture());
    CHECK(Output(OutputMode::keep_order).needs_capture());
    CHECK(Output(OutputMode::line_buffer).needs_capture());
    Output ungrouped(OutputMode::ungroup);
    CHECK_FALSE(ungrouped.needs_capture());
    ungrouped.set_tagged(true);
    CHECK(ungrouped.needs_capture());
}

TEST_CASE("OutputBuffer: past its share of memory it spills to a temp file and keeps the order")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.path().string());
    Capture sink(dir, "sink");
    MemoryBudget budget;
    budget.per_buffer = 16;
    {
        OutputBuffer buffer(budget);
        CHECK(buffer.empty());
        buffer.append("0123456789");
        CHECK(budget.used == 10);
        buffer.append("abcdefghij"); // 20 > 16: spills
        CHECK(budget.used == 0);
        CHECK_FALSE(buffer.empty());
        std::string rest = pattern(200000, 'k');
        buffer.append(rest);
        buffer.append("");
        buffer.append("end");
        CHECK(budget.used == 0);
        buffer.write_to(sink.fd(), "sink");
        CHECK(buffer.empty());
        CHECK(sink.text() == "0123456789abcdefghij" + rest + "end");

        SUBCASE("and can be used again")
        {
            buffer.append("again");
            buffer.write_to(sink.fd(), "sink");
            CHECK(sink.text() == "0123456789abcdefghij" + rest + "endagain");
        }
    }
    CHECK(budget.used == 0);
}

TEST_CASE("OutputBuffer: the memory all buffers share is limited too")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.path().string());
    Capture sink(dir, "sink");
    MemoryBudget budget;
    budget.limit = 30;
    budget.per_buffer = 100;
    OutputBuffer first(budget);
    OutputBuffer second(budget);
    first.append(std::string(20, 'a'));
    CHECK(budget.used == 20);
    second.append(std::string(20, 'b')); // 40 > 30: spills
    CHECK(budget.used == 20);
    second.append("c");
    CHECK(budget.used == 20);
    second.write_to(sink.fd(), "sink");
    first.write_to(sink.fd(), "sink");
    CHECK(sink.text() == std::string(20, 'b') + "c" + std::string(20, 'a'));
    CHECK(budget.used == 0);
}

TEST_CASE("OutputBuffer: a moved buffer keeps its bytes and the budget stays right")
{
    TempDir dir;
    Capture sink(dir, "sink");
    MemoryBudget budget;
    {
        OutputBuffer original(budget);
        original.append("hello");
        OutputBuffer moved(std::move(original));
        CHECK(budget.used == 5);
        moved.write_to(sink.fd(), "sink");
        CHECK(budget.used == 0);
    }
    CHECK(budget.used == 0);
    CHECK(sink.text() == "hello");
}

TEST_CASE("OutputBuffer: a spilled buffer writes back through a pipe")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.path().string());
    MemoryBudget budget;
    budget.per_buffer = 1000;
    OutputBuffer buffer(budget);
    std::string data = pattern(1024 * 1024 + 3, '!');
    buffer.append(std::string_view(data).substr(0, 999));
    buffer.append(std::string_view(data).substr(999));
    CHECK(budget.used == 0);

    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::string received;
    std::thread reader([&] {
        char chunk[65536];
        ssize_t n;
        while ((n = ::read(fds[0], chunk, sizeof chunk)) > 0) {
            received.append(chunk, static_cast<std::size_t>(n));
        }
    });
    buffer.write_to(fds[1], "pipe");
    ::close(fds[1]);
    reader.join();
    ::close(fds[0]);
    CHECK(received.size() == data.size());
    CHECK(received == data);
}

TEST_CASE("OutputBuffer: a TMPDIR that does not exist keeps the bytes in memory and says why")
{
    TempDir dir;
    Capture sink(dir, "sink");
    std::string missing = dir.file("no-such-dir");
    ScopedEnv tmpdir("TMPDIR", missing);
    MemoryBudget budget;
    budget.per_buffer = 8;
    budget.limit = 8;
    OutputBuffer buffer(budget);
    buffer.append("small"); // fits in memory: no temp file needed
    CHECK(budget.spill_problem.empty());
    buffer.append("much too much");
    CHECK(budget.spill_problem.find(missing) != std::string::npos);
    CHECK(budget.over());
    buffer.write_to(sink.fd(), "sink");
    CHECK(sink.text() == "smallmuch too much");
    CHECK_FALSE(budget.over());
}
