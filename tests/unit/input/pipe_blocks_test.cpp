#include "pipe_blocks.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// Shows optional ends in failure messages (support/test_support.hpp shows lists of blocks).
namespace doctest {
template <> struct StringMaker<std::optional<std::size_t>> {
    static String convert(const std::optional<std::size_t>& end)
    {
        return end ? String(std::to_string(*end).c_str()) : String("nothing (more data needed)");
    }
};
} // namespace doctest

using fanout::BlockRules;
using fanout::find_block_end;
using fanout::JobSpec;
using fanout::PipeBlocks;
using fanout::ReadStatus;

namespace {

using fanout::test::slow_writer;
using fanout::test::TestPipe;

using Blocks = std::vector<std::string>;
constexpr std::optional<std::size_t> k_more = std::nullopt; // "more data is needed"

BlockRules by_size(std::size_t size, std::string recend = "\n", std::string recstart = "")
{
    BlockRules rules;
    rules.block_size = size;
    rules.recend = std::move(recend);
    rules.recstart = std::move(recstart);
    return rules;
}

BlockRules by_records(std::size_t records, std::string recend = "\n", std::string recstart = "")
{
    BlockRules rules = by_size(1, std::move(recend), std::move(recstart)); // the size must not matter
    rules.records = records;
    return rules;
}

// Cuts all of `data` as at the end of the input, block after block.
Blocks cut_all(std::string_view data, const BlockRules& rules)
{
    Blocks blocks;
    while (!data.empty()) {
        std::optional<std::size_t> end = find_block_end(data, rules, true);
        REQUIRE(end.has_value());
        REQUIRE(*end > 0);
        REQUIRE(*end <= data.size());
        blocks.emplace_back(data.substr(0, *end));
        data.remove_prefix(*end);
    }
    return blocks;
}

// Whether a record ends at `at` (0 < at < data.size()): recend before it, recstart after.
bool boundary_at(std::string_view data, std::size_t at, const BlockRules& rules)
{
    if (at == 0 || at >= data.size() || at < rules.recend.size()) {
        return false;
    }
    return data.substr(at - rules.recend.size(), rules.recend.size()) == rules.recend &&
           data.substr(at, rules.recstart.size()) == rules.recstart;
}

// Every block PipeBlocks makes of what is read from `fd`, waiting when it must.
Blocks read_blocks(PipeBlocks& blocks)
{
    Blocks result;
    JobSpec job;
    ReadStatus status;
    while ((status = blocks.next(job, true)) == ReadStatus::record) {
        REQUIRE(job.input != nullptr);
        CHECK(job.seq == result.size() + 1);
        result.push_back(*job.input);
    }
    CHECK(status == ReadStatus::end);
    return result;
}

std::string joined(const Blocks& blocks)
{
    std::string all;
    for (const auto& block : blocks) {
        all += block;
    }
    return all;
}

} // namespace

// --- find_block_end --------------------------------------------------------------------

TEST_CASE("pipe blocks: find_block_end: no data, no block, even at the end")
{
    CHECK(find_block_end("", by_size(10), false) == k_more);
    CHECK(find_block_end("", by_size(10), true) == k_more);
    CHECK(find_block_end("", by_records(2), true) == k_more);
}

TEST_CASE("pipe blocks: find_block_end: by size, at the last record end at or before the size")
{
    std::string data = "aaa\nbbb\nccc\nddd\n";
    CHECK(find_block_end(data, by_size(8), false) == 8u);  // exactly the size
    CHECK(find_block_end(data, by_size(9), false) == 8u);  // just past a record end
    CHECK(find_block_end(data, by_size(11), false) == 8u); // not into the next record
    CHECK(find_block_end(data, by_size(7), false) == 4u);
    CHECK(find_block_end(data, by_size(4), false) == 4u);
    CHECK(find_block_end(data, by_size(12), true) == 12u);
    // The record after the block need not be complete.
    CHECK(find_block_end("aaa\nbbbbbbbbbbbbb", by_size(6), false) == 4u);
}

TEST_CASE("pipe blocks: find_block_end: what fits in a block waits for the end of the input")
{
    CHECK(find_block_end("aaa\nbb", by_size(10), false) == k_more);
    CHECK(find_block_end("aaa\nbb", by_size(10), true) == 6u); // a last record without recend
    CHECK(find_block_end("aaa\nbbb\n", by_size(100), true) == 8u);
    CHECK(find_block_end("x", by_size(1), true) == 1u);
}

TEST_CASE("pipe blocks: find_block_end: a record longer than a block is passed whole")
{
    CHECK(find_block_end("aaaaaaaaaa\nb\n", by_size(4), false) == 11u);
    CHECK(find_block_end("aaaaaaaaaa\nb\n", by_size(10), false) == 11u); // recend just past the size
    // Not ended yet: wait for its end, or for the end of the input.
    CHECK(find_block_end("aaaaaaaaaa", by_size(4), false) == k_more);
    CHECK(find_block_end("aaaaaaaaaa", by_size(4), true) == 10u);
    CHECK(cut_all("aaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbb\nc\n", by_size(5)) ==
          Blocks{"aaaaaaaaaa\n", "bbbbbbbbbbbbbbbbbbbb\n", "c\n"});
}

TEST_CASE("pipe blocks: find_block_end: --recend '' cuts anywhere")
{
    CHECK(find_block_end("abcdefghij", by_size(4, ""), false) == 4u);
    CHECK(find_block_end("abc", by_size(4, ""), false) == k_more);
    CHECK(find_block_end("abc", by_size(4, ""), true) == 3u);
    CHECK(cut_all("abcdefghij", by_size(4, "")) == Blocks{"abcd", "efgh", "ij"});
    CHECK(cut_all(std::string("a\0b\0c\0d", 7), by_size(2, "")) ==
          Blocks{std::string("a\0", 2), std::string("b\0", 2), std::string("c\0", 2), "d"});
}

TEST_CASE("pipe blocks: find_block_end: a record end of several bytes (CRLF)")
{
    std::string data = "a\r\nb\nc\r\nd\r\n";
    CHECK(find_block_end(data, by_size(6, "\r\n"), false) == 3u); // "b\n" is not a record end
    CHECK(find_block_end(data, by_size(8, "\r\n"), false) == 8u);
    CHECK(cut_all(data, by_size(1, "\r\n")) == Blocks{"a\r\n", "b\nc\r\n", "d\r\n"});
    // A record end that straddles the size belongs to a record longer than the block.
    CHECK(find_block_end("ab\r\ncd", by_size(3, "\r\n"), false) == 4u);
    // Half a record end at the end of the data is no record end.
    CHECK(find_block_end("abcdef\r", by_size(3, "\r\n"), false) == k_more);
}

TEST_CASE("pipe blocks: find_block_end: --recstart alone")
{
    BlockRules rules = by_size(3, "", ">");
    CHECK(find_block_end(">a>b>c", rules, false) == 2u);
    CHECK(find_block_end(">aaaa>b", rules, false) == 5u);           // longer than the block: whole
    CHECK(find_block_end("x>a", by_size(1, "", ">"), false) == 1u); // data before the first recstart
    CHECK(cut_all(">a>b>c", by_size(1, "", ">")) == Blocks{">a", ">b", ">c"});
    // The end of the data is no record start: wait, unless the input has ended.
    CHECK(find_block_end(">aaaa", rules, false) == k_more);
    CHECK(find_block_end(">aaaa", rules, true) == 5u);
}

TEST_CASE("pipe blocks: find_block_end: --recend and --recstart: recend followed by recstart")
{
    BlockRules rules = by_size(8, "\n", ">");
    std::string data = ">a\nx>y\n>b\n>c\n";
    CHECK(find_block_end(data, rules, false) == 7u);                 // '>' inside a line is no record start
    CHECK(find_block_end(data, by_size(5, "\n", ">"), false) == 7u); // one record over the size
    CHECK(cut_all(data, by_size(1, "\n", ">")) == Blocks{">a\nx>y\n", ">b\n", ">c\n"});
    // A record end with no recstart after it yet does not end a block.
    CHECK(find_block_end(">aaaaaaa\n", by_size(3, "\n", ">"), false) == k_more);
    CHECK(find_block_end(">aaaaaaa\n", by_size(3, "\n", ">"), true) == 9u);
}

TEST_CASE("pipe blocks: find_block_end: a boundary at the size needs all of a longer recstart")
{
    // "x\nAB\nA": the data ends inside a possible "\nAB" at the size (5). The block is
    // the last boundary at or before the size: 5 if "B" follows, else 2. Only more
    // data can tell.
    BlockRules rules = by_size(5, "\n", "AB");
    CHECK(find_block_end("x\nAB\nAB", rules, false) == 5u);
    CHECK(find_block_end("x\nAB\nAC", rules, false) == 2u);
    CHECK(find_block_end("x\nAB\nA", rules, false) == k_more);
}

TEST_CASE("pipe blocks: find_block_end: -N counts records and ignores the size")
{
    std::string data = "a\nb\nc\nd\n";
    CHECK(find_block_end(data, by_records(1), false) == 2u);
    CHECK(find_block_end(data, by_records(2), false) == 4u);
    CHECK(find_block_end(data, by_records(4), false) == 8u); // the last recend ends the 4th
    CHECK(find_block_end(data, by_records(5), false) == k_more);
    CHECK(find_block_end(data, by_records(5), true) == 8u);
    CHECK(find_block_end("a\nb\nc", by_records(3), false) == k_more);
    CHECK(find_block_end("a\nb\nc", by_records(3), true) == 5u);
    BlockRules big = by_records(2);
    big.block_size = 1000;
    CHECK(find_block_end(data, big, false) == 4u);
    CHECK(cut_all("1\n2\n3\n4\n5\n6\n7\n", by_records(3)) == Blocks{"1\n2\n3\n", "4\n5\n6\n", "7\n"});
}

TEST_CASE("pipe blocks: find_block_end: -N with --recend '', --recstart, or both")
{
    CHECK(find_block_end("abcdef", by_records(4, ""), false) == 4u); // each byte is a record
    CHECK(find_block_end("a\r\nb\nc\r\n", by_records(1, "\r\n"), false) == 3u);
    CHECK(find_block_end("a\r\nb\nc\r\n", by_records(2, "\r\n"), false) == 8u);
    CHECK(find_block_end(">a>b>c", by_records(1, "", ">"), false) == 2u);
    CHECK(find_block_end(">a>b>c", by_records(2, "", ">"), false) == 4u);
    CHECK(find_block_end(">a>b>c", by_records(3, "", ">"), false) == k_more);
    CHECK(find_block_end(">a>b>c", by_records(3, "", ">"), true) == 6u);
    CHECK(find_block_end(">a\n>b\n", by_records(1, "\n", ">"), false) == 3u);
    CHECK(find_block_end(">a\n>b\n", by_records(2, "\n", ">"), false) == k_more);
    CHECK(find_block_end(">a\n>b\n", by_records(2, "\n", ">"), true) == 6u);
}

namespace {

// Random data of up to `max_length` bytes over the separators' alphabet, and random
// block rules for it.
std::pair<std::string, BlockRules> random_case(std::mt19937& random, std::size_t max_length)
{
    static const std::vector<std::pair<std::string, std::string>> separators = {
        {"\n", ""}, {"", ""}, {"\r\n", ""}, {"", ">"}, {"\n", ">"}, {"aa", ""}, {"ab", "ba"}, {"\n", "AB"}};
    const auto& [recend, recstart] = separators[random() % separators.size()];
    std::string data;
    std::size_t length = random() % max_length;
    const std::string alphabet = "ab\n>\rAB";
    for (std::size_t i = 0; i < length; ++i) {
        data += alphabet[random() % alphabet.size()];
    }
    BlockRules rules = by_size(1 + random() % 40, recend, recstart);
    if (random() % 4 == 0) {
        rules.records = 1 + random() % 5;
    }
    return {data, rules};
}

} // namespace

TEST_CASE("pipe blocks: find_block_end: random data and rules keep every byte, on record boundaries")
{
    std::mt19937 random(20251122);
    for (int round = 0; round < 400; ++round) {
        auto [data, rules] = random_case(random, 400);
        CAPTURE(round);
        CAPTURE(data);
        CAPTURE(rules.block_size);
        CAPTURE(rules.records);
        CAPTURE(rules.recend);
        CAPTURE(rules.recstart);
        Blocks blocks = cut_all(data, rules);
        REQUIRE(joined(blocks) == data);
        std::size_t at = 0;
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            // Record ends are found in what is left: a recend that overlaps the end of
            // the block before (recend "aa" in "aaa") ended a record there.
            std::string_view rest = std::string_view(data).substr(at);
            std::size_t size = blocks[i].size();
            bool last = i + 1 == blocks.size();
            if (!last) {
                CHECK(boundary_at(rest, size, rules)); // a block ends where a record ends
            }
            std::size_t inside = 0; // record ends inside the block
            for (std::size_t p = 1; p < size; ++p) {
                inside += boundary_at(rest, p, rules) ? 1 : 0;
            }
            if (rules.records > 0) {
                if (!last) {
                    CHECK(inside + 1 == rules.records); // exactly N records
                } else {
                    CHECK(inside + 1 <= rules.records);
                }
            } else {
                if (size > rules.block_size) {
                    CHECK(inside == 0); // only one record may be larger than a block
                }
                if (!last) {
                    // The last record end at or before the size: none after it up to the size.
                    for (std::size_t p = size + 1; p <= rules.block_size && p < rest.size(); ++p) {
                        CHECK_FALSE(boundary_at(rest, p, rules));
                    }
                }
            }
            at += size;
        }
    }
}

// --- PipeBlocks ------------------------------------------------------------------------

TEST_CASE("pipe blocks: PipeBlocks reads a pipe into blocks, numbered, that add up to the input")
{
    std::string data;
    for (int i = 1; i <= 20000; ++i) {
        data += std::to_string(i) + "\n";
    }
    TestPipe pipe;
    std::thread writer = slow_writer(pipe, data, 777);
    PipeBlocks blocks(pipe.read_fd, "stdin", by_size(1000));
    Blocks result = read_blocks(blocks);
    writer.join();
    CHECK(joined(result) == data);
    CHECK(result == cut_all(data, by_size(1000))); // however the data arrived
    for (const auto& block : result) {
        CHECK(block.size() <= 1000);
        CHECK(block.back() == '\n');
    }
}

TEST_CASE("pipe blocks: PipeBlocks: the origin names the stream and the block")
{
    TestPipe pipe;
    pipe.write("a\nb\n");
    pipe.close_write();
    PipeBlocks blocks(pipe.read_fd, "input.txt", by_records(1));
    JobSpec job;
    REQUIRE(blocks.next(job, true) == ReadStatus::record);
    CHECK(job.seq == 1);
    CHECK(job.origin == "input.txt block 1");
    CHECK(*job.input == "a\n");
    CHECK(job.args.empty());
    CHECK(job.task == nullptr);
    REQUIRE(blocks.next(job, true) == ReadStatus::record);
    CHECK(job.seq == 2);
    CHECK(job.origin == "input.txt block 2");
    CHECK(*job.input == "b\n");
    CHECK(blocks.next(job, true) == ReadStatus::end);
    CHECK(blocks.next(job, true) == ReadStatus::end);
}

TEST_CASE("pipe blocks: PipeBlocks: empty input gives no block")
{
    TestPipe pipe;
    pipe.close_write();
    PipeBlocks blocks(pipe.read_fd, "stdin", by_size(10));
    JobSpec job;
    CHECK(blocks.next(job, true) == ReadStatus::end);
    CHECK(blocks.wait_fd() == pipe.read_fd);
}

TEST_CASE("pipe blocks: PipeBlocks: without blocking, waits for a whole block")
{
    TestPipe pipe;
    PipeBlocks blocks(pipe.read_fd, "stdin", by_size(6));
    JobSpec job;
    CHECK(blocks.next(job, false) == ReadStatus::would_block);
    pipe.write("aaa\nbb");
    CHECK(blocks.next(job, false) == ReadStatus::would_block); // 6 bytes may grow into a bigger block
    pipe.write("b\ncc");
    REQUIRE(blocks.next(job, false) == ReadStatus::record);
    CHECK(*job.input == "aaa\n");
    CHECK(blocks.next(job, false) == ReadStatus::would_block);
    pipe.close_write();
    REQUIRE(blocks.next(job, false) == ReadStatus::record);
    CHECK(*job.input == "bbb\ncc");
    CHECK(blocks.next(job, false) == ReadStatus::end);
}

TEST_CASE("pipe blocks: PipeBlocks: --header records go before every block")
{
    TestPipe pipe;
    std::thread writer = slow_writer(pipe, "h1\nh2\n1\n2\n3\n4\n5\n", 1);
    BlockRules rules = by_records(2);
    rules.header_records = 2;
    PipeBlocks blocks(pipe.read_fd, "stdin", rules);
    Blocks result = read_blocks(blocks);
    writer.join();
    CHECK(result == Blocks{"h1\nh2\n1\n2\n", "h1\nh2\n3\n4\n", "h1\nh2\n5\n"});
}

TEST_CASE("pipe blocks: PipeBlocks: --header does not count toward the block size")
{
    TestPipe pipe;
    pipe.write("header\naaa\nbbb\nccc\n");
    pipe.close_write();
    BlockRules rules = by_size(8);
    rules.header_records = 1;
    PipeBlocks blocks(pipe.read_fd, "stdin", rules);
    CHECK(read_blocks(blocks) == Blocks{"header\naaa\nbbb\n", "header\nccc\n"});
}

TEST_CASE("pipe blocks: PipeBlocks: input that is only a header gives no block")
{
    TestPipe pipe;
    pipe.write("h\n");
    pipe.close_write();
    BlockRules rules = by_size(8);
    rules.header_records = 1;
    PipeBlocks blocks(pipe.read_fd, "stdin", rules);
    JobSpec job;
    CHECK(blocks.next(job, true) == ReadStatus::end);
}

TEST_CASE("pipe blocks: PipeBlocks: binary data with --recend '', byte for byte")
{
    std::mt19937 random(7);
    std::string data;
    for (int i = 0; i < 300000; ++i) {
        data += static_cast<char>(random() & 0xff);
    }
    TestPipe pipe;
    std::thread writer = slow_writer(pipe, data, 4093);
    PipeBlocks blocks(pipe.read_fd, "stdin", by_size(10000, ""));
    Blocks result = read_blocks(blocks);
    writer.join();
    CHECK(joined(result) == data);
    REQUIRE(result.size() == 30);
    for (const auto& block : result) {
        CHECK(block.size() == 10000);
    }
}

TEST_CASE("pipe blocks: PipeBlocks: a record larger than the reads and the block stays whole")
{
    std::string huge(3 * 1024 * 1024, 'x'); // larger than one read
    std::string data = "a\n" + huge + "\nb\n";
    TestPipe pipe;
    std::thread writer = slow_writer(pipe, data, 65536);
    PipeBlocks blocks(pipe.read_fd, "stdin", by_size(1024));
    Blocks result = read_blocks(blocks);
    writer.join();
    CHECK(result == Blocks{"a\n", huge + "\n", "b\n"});
}

TEST_CASE("pipe blocks: PipeBlocks: a block size larger than memory is no problem for a small input")
{
    TestPipe pipe;
    pipe.write("abc\n");
    pipe.close_write();
    PipeBlocks blocks(pipe.read_fd, "stdin", by_size(std::size_t{1} << 40)); // --block 1T
    Blocks result;
    CHECK_NOTHROW(result = read_blocks(blocks));
    CHECK(result == Blocks{"abc\n"});
}

namespace {

// Every block, read as the scheduler reads: never blocking, waiting on wait_fd() when
// told would_block.
Blocks read_blocks_polling(PipeBlocks& blocks)
{
    Blocks result;
    JobSpec job;
    ReadStatus status;
    while ((status = blocks.next(job, false)) != ReadStatus::end) {
        if (status == ReadStatus::would_block) {
            pollfd p{blocks.wait_fd(), POLLIN, 0};
            REQUIRE(::poll(&p, 1, 10'000) == 1);
            continue;
        }
        REQUIRE(job.input != nullptr);
        result.push_back(*job.input);
    }
    return result;
}

// Random records of "ab\n>\r", some longer than `size`.
std::string random_records(std::mt19937& random, std::size_t length)
{
    const std::string alphabet = "aaaaab\n>\r";
    std::string data;
    while (data.size() < length) {
        bool long_run = random() % 10 == 0;
        std::size_t run = long_run ? 100 + random() % 300 : 1;
        char c = alphabet[random() % alphabet.size()];
        data.append(run, long_run ? 'a' : c);
    }
    return data;
}

} // namespace

TEST_CASE("pipe blocks: PipeBlocks: data in pieces of 1 and 7 bytes makes the blocks of one big read")
{
    std::mt19937 random(42);
    std::string data = random_records(random, 2000); // within a pipe's buffer
    struct Case {
        const char* name;
        BlockRules rules;
    };
    BlockRules header = by_size(50);
    header.header_records = 2;
    const std::vector<Case> cases = {
        {"--recend", by_size(50)},
        {"--recend CRLF-like", by_size(50, "\r\n")},
        {"--recstart", by_size(50, "", ">")},
        {"--recend and --recstart", by_size(50, "\n", ">a")},
        {"-N 3", by_records(3)},
        {"-N 2 --recstart", by_records(2, "", ">")},
        {"-N 2 --recend --recstart", by_records(2, "\n", ">")},
        {"--recend ''", by_size(50, "")},
        {"--header 2", header},
    };
    for (const auto& [name, rules] : cases) {
        for (std::size_t piece : {std::size_t{1}, std::size_t{7}}) {
            CAPTURE(name);
            CAPTURE(piece);
            TestPipe one_read;
            one_read.write(data);
            one_read.close_write();
            PipeBlocks whole(one_read.read_fd, "stdin", rules);
            Blocks expected = read_blocks(whole);
            TestPipe pipe;
            std::thread writer = slow_writer(pipe, data, piece);
            PipeBlocks pieces(pipe.read_fd, "stdin", rules);
            Blocks result = read_blocks_polling(pieces);
            writer.join();
            CHECK(result == expected);
            if (rules.header_records == 0) {
                CHECK(result == cut_all(data, rules));
            }
        }
    }
}

TEST_CASE("pipe blocks: PipeBlocks: one call reads at most once, so a long record does not hold the caller")
{
    // A regular file: every read finds data, so only the reader itself can stop.
    char path[] = "/tmp/fanout-pipe-blocks-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::unlink(path);
    std::string huge(8 * 1024 * 1024, 'x');
    std::string data = "a\n" + huge + "\nb\n";
    for (std::string_view rest = data; !rest.empty();) {
        ssize_t n = ::write(fd, rest.data(), rest.size());
        REQUIRE(n > 0);
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    PipeBlocks blocks(fd, "file", by_size(1024));
    JobSpec job;
    REQUIRE(blocks.next(job, false) == ReadStatus::record);
    CHECK(*job.input == "a\n");
    std::size_t calls = 0;
    ReadStatus status;
    while ((status = blocks.next(job, false)) == ReadStatus::would_block) {
        ++calls;
    }
    REQUIRE(status == ReadStatus::record);
    CHECK(*job.input == huge + "\n");
    CHECK(calls >= 8); // at most 1 MiB per call
    REQUIRE(blocks.next(job, true) == ReadStatus::record);
    CHECK(*job.input == "b\n");
    CHECK(blocks.next(job, true) == ReadStatus::end);
    ::close(fd);
}

// --- BlockFinder -----------------------------------------------------------------------

TEST_CASE("pipe blocks: BlockFinder: fed byte by byte or in pieces, it finds what one search finds")
{
    std::mt19937 random(20251203);
    for (int round = 0; round < 300; ++round) {
        auto [data, rules] = random_case(random, 300);
        std::size_t piece = random() % 2 == 0 ? 1 : 1 + random() % 9;
        CAPTURE(round);
        CAPTURE(data);
        CAPTURE(rules.block_size);
        CAPTURE(rules.records);
        CAPTURE(rules.recend);
        CAPTURE(rules.recstart);
        CAPTURE(piece);
        // The data arrives `piece` bytes at a time; a block found is taken at once.
        fanout::BlockFinder finder(rules);
        std::size_t start = 0;
        std::size_t arrived = 0;
        Blocks blocks;
        while (start < data.size()) {
            arrived = std::min(data.size(), arrived + piece);
            bool eof = arrived == data.size();
            std::string_view seen = std::string_view(data).substr(start, arrived - start);
            std::optional<std::size_t> end;
            while ((end = finder.find(seen, eof))) {
                REQUIRE(end == find_block_end(seen, rules, eof));
                blocks.emplace_back(seen.substr(0, *end));
                start += *end;
                seen.remove_prefix(*end);
                finder.reset();
            }
            REQUIRE(find_block_end(seen, rules, eof) == k_more);
        }
        CHECK(blocks == cut_all(data, rules));
    }
}
