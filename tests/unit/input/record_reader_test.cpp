#include "error.hpp"
#include "record_reader.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

using fanout::ReadStatus;
using fanout::RecordReader;

namespace {

using fanout::test::slow_writer;
using fanout::test::TestPipe;

using fanout::test::TempDir;

void write_file(const std::string& path, const std::string& data)
{
    std::ofstream out(path, std::ios::binary);
    out << data;
    REQUIRE(out.good());
}

std::vector<std::string> read_all(RecordReader& reader)
{
    std::vector<std::string> records;
    std::string record;
    ReadStatus status;
    while ((status = reader.next(record, true)) == ReadStatus::record) {
        records.push_back(record);
    }
    CHECK(status == ReadStatus::end);
    return records;
}

std::vector<std::string> read_file(const TempDir& dir, const std::string& data, char delimiter = '\n')
{
    std::string path = dir.file("input");
    write_file(path, data);
    RecordReader reader = RecordReader::open(path, delimiter);
    return read_all(reader);
}

using Records = std::vector<std::string>;

} // namespace

TEST_CASE("RecordReader: newline-terminated records")
{
    TempDir dir;
    CHECK(read_file(dir, "a\nbb\n\nccc\n") == Records{"a", "bb", "", "ccc"});
    CHECK(read_file(dir, "one line\n") == Records{"one line"});
    CHECK(read_file(dir, "\n") == Records{""});
}

TEST_CASE("RecordReader: the last record needs no delimiter")
{
    TempDir dir;
    CHECK(read_file(dir, "a\nb") == Records{"a", "b"});
    CHECK(read_file(dir, "only") == Records{"only"});
}

TEST_CASE("RecordReader: empty input has no records")
{
    TempDir dir;
    CHECK(read_file(dir, "").empty());
    SUBCASE("and keeps saying end")
    {
        std::string path = dir.file("empty");
        write_file(path, "");
        RecordReader reader = RecordReader::open(path, '\n');
        std::string record = "untouched";
        CHECK(reader.next(record, true) == ReadStatus::end);
        CHECK(reader.next(record, false) == ReadStatus::end);
        CHECK(reader.record_number() == 0);
    }
}

TEST_CASE("RecordReader: NUL-delimited records keep their newlines")
{
    TempDir dir;
    std::string data("a\nb\0c\0\0d", 8);
    CHECK(read_file(dir, data, '\0') == Records{"a\nb", "c", "", "d"});
}

TEST_CASE("RecordReader: another delimiter")
{
    TempDir dir;
    CHECK(read_file(dir, "a,b\n,c,", ',') == Records{"a", "b\n", "c"});
}

TEST_CASE("RecordReader: a 1 MiB record")
{
    TempDir dir;
    std::string big(1024 * 1024, 'x');
    for (std::size_t i = 0; i < big.size(); i += 997) {
        big[i] = static_cast<char>('a' + i % 26);
    }
    SUBCASE("from a file")
    {
        CHECK(read_file(dir, "first\n" + big + "\nlast\n") == Records{"first", big, "last"});
    }
    SUBCASE("from a pipe")
    {
        TestPipe pipe;
        std::thread writer = slow_writer(pipe, "first\n" + big + "\nlast", 50000);
        RecordReader reader(pipe.give_read(), true, "pipe", '\n');
        Records records = read_all(reader);
        writer.join();
        CHECK(records == Records{"first", big, "last"});
    }
}

TEST_CASE("RecordReader: records split across reads")
{
    std::mt19937 random(99);
    std::string data;
    Records expected;
    for (int i = 0; i < 3000; ++i) {
        std::size_t length =
            std::uniform_int_distribution<std::size_t>(0, i % 100 == 99 ? 70000 : 200)(random);
        std::string record(length, static_cast<char>('a' + i % 26));
        expected.push_back(record);
        data += record + "\n";
    }
    SUBCASE("through a pipe, a few bytes at a time")
    {
        std::size_t size = 0;
        std::size_t count = 0;
        while (size < 40000) { // the first records, to keep the test quick
            size += expected[count++].size() + 1;
        }
        TestPipe pipe;
        std::thread writer = slow_writer(pipe, data.substr(0, size), 7);
        RecordReader reader(pipe.give_read(), true, "pipe", '\n');
        Records records = read_all(reader);
        writer.join();
        CHECK(records == Records(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(count)));
    }
    SUBCASE("through a pipe, in pieces of odd sizes")
    {
        TestPipe pipe;
        std::thread writer = slow_writer(pipe, data, 65537);
        RecordReader reader(pipe.give_read(), true, "pipe", '\n');
        Records records = read_all(reader);
        writer.join();
        CHECK(records == expected);
    }
    SUBCASE("from a file, delimiters at and around 64 KiB boundaries")
    {
        TempDir dir;
        std::string edges;
        Records edge_records;
        for (std::size_t length : {65535U, 0U, 65534U, 65536U, 1U, 131071U, 2U}) {
            std::string record(length, 'q');
            edge_records.push_back(record);
            edges += record + "\n";
        }
        CHECK(read_file(dir, edges) == edge_records);
        CHECK(read_file(dir, data) == expected);
    }
}

TEST_CASE("RecordReader: without blocking, an empty open pipe would block")
{
    TestPipe pipe;
    RecordReader reader(pipe.give_read(), true, "pipe", '\n');
    std::string record;
    CHECK(reader.next(record, false) == ReadStatus::would_block);
    CHECK(reader.next(record, false) == ReadStatus::would_block);

    pipe.write("abc");
    CHECK(reader.next(record, false) == ReadStatus::would_block); // no whole record yet

    pipe.write("def\nxy");
    REQUIRE(reader.next(record, false) == ReadStatus::record);
    CHECK(record == "abcdef");
    CHECK(reader.record_number() == 1);
    CHECK(reader.next(record, false) == ReadStatus::would_block);

    pipe.write("z\n1\n2\n");
    REQUIRE(reader.next(record, false) == ReadStatus::record);
    CHECK(record == "xyz");
    REQUIRE(reader.next(record, false) == ReadStatus::record);
    CHECK(record == "1");
    REQUIRE(reader.next(record, true) == ReadStatus::record);
    CHECK(record == "2");
    CHECK(reader.next(record, false) == ReadStatus::would_block);

    pipe.write("tail");
    pipe.close_write();
    REQUIRE(reader.next(record, false) == ReadStatus::record);
    CHECK(record == "tail");
    CHECK(reader.record_number() == 5);
    CHECK(reader.next(record, false) == ReadStatus::end);
    CHECK(reader.next(record, true) == ReadStatus::end);
}

TEST_CASE("RecordReader: a blocking read waits for the writer")
{
    TestPipe pipe;
    RecordReader reader(pipe.give_read(), true, "pipe", '\n');
    std::thread writer([&pipe] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        pipe.write("late\n");
        pipe.close_write();
    });
    std::string record;
    ReadStatus status = reader.next(record, true);
    writer.join();
    CHECK(status == ReadStatus::record);
    CHECK(record == "late");
    CHECK(reader.next(record, true) == ReadStatus::end);
}

TEST_CASE("RecordReader: record_number counts the records returned")
{
    TempDir dir;
    std::string path = dir.file("input");
    write_file(path, "a\n\nb\nc");
    RecordReader reader = RecordReader::open(path, '\n');
    std::string record;
    CHECK(reader.record_number() == 0);
    for (std::size_t n = 1; n <= 4; ++n) {
        REQUIRE(reader.next(record, true) == ReadStatus::record);
        CHECK(reader.record_number() == n);
    }
    CHECK(reader.next(record, true) == ReadStatus::end);
    CHECK(reader.record_number() == 4);
}

TEST_CASE("RecordReader: open")
{
    TempDir dir;
    SUBCASE("a missing file is an error naming it")
    {
        std::string path = dir.file("no-such-file");
        CHECK_THROWS_WITH_AS(RecordReader::open(path, '\n'), doctest::Contains(path.c_str()), fanout::Error);
    }
    SUBCASE("an unreadable file is an error naming it")
    {
        std::string path = dir.file("secret");
        write_file(path, "x\n");
        REQUIRE(::chmod(path.c_str(), 0) == 0);
        if (::geteuid() != 0) { // root reads anything
            CHECK_THROWS_WITH_AS(RecordReader::open(path, '\n'), doctest::Contains(path.c_str()),
                                 fanout::Error);
        }
        REQUIRE(::chmod(path.c_str(), 0600) == 0);
    }
    SUBCASE("the reader is named after the file, and '-' is stdin")
    {
        std::string path = dir.file("named");
        write_file(path, "x\n");
        CHECK(RecordReader::open(path, '\n').name() == path);
        RecordReader in = RecordReader::open("-", '\n');
        CHECK(in.name() == "stdin");
        CHECK(in.fd() == STDIN_FILENO);
    }
    SUBCASE("a reader that does not own its descriptor leaves it open")
    {
        TestPipe pipe;
        {
            RecordReader borrowed(pipe.read_fd, false, "borrowed", '\n');
        }
        CHECK(::fcntl(pipe.read_fd, F_GETFD) >= 0);
    }
}
