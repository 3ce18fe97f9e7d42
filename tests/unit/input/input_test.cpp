#include "error.hpp"
#include "input.hpp"
#include "support/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

using fanout::Input;
using fanout::InputSettings;
using fanout::ReadStatus;
using fanout::Record;
using fanout::SourceSpec;

using Argv = std::vector<std::string>;
using Records = std::vector<Argv>;

namespace {

using fanout::test::TempDir;

SourceSpec args(Argv values)
{
    SourceSpec spec;
    spec.kind = SourceSpec::Kind::args;
    spec.args = std::move(values);
    return spec;
}

SourceSpec file(std::string path)
{
    SourceSpec spec;
    spec.kind = SourceSpec::Kind::file;
    spec.path = std::move(path);
    return spec;
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& data)
{
    std::string path = dir.file(name);
    std::ofstream out(path, std::ios::binary);
    out << data;
    REQUIRE(out.good());
    return path;
}

InputSettings options_of(std::vector<SourceSpec> sources, bool link = false)
{
    InputSettings options;
    options.sources = std::move(sources);
    options.link = link;
    return options;
}

Records read_all(Input& input)
{
    Records records;
    Record record;
    ReadStatus status;
    while ((status = input.next(record, true)) == ReadStatus::record) {
        records.push_back(record.columns);
        REQUIRE(records.size() < 10000);
    }
    CHECK(status == ReadStatus::end);
    return records;
}

Records read_all(const InputSettings& options)
{
    Input input(options);
    return read_all(input);
}

} // namespace

TEST_CASE("Input: one source gives one column per record")
{
    CHECK(read_all(options_of({args({"a", "b c", ""})})) == Records{{"a"}, {"b c"}, {""}});
    CHECK(read_all(options_of({args({})})).empty());
}

TEST_CASE("Input: several sources combine into every combination, the last varying fastest")
{
    CHECK(read_all(options_of({args({"a", "b"}), args({"1", "2"})})) ==
          Records{{"a", "1"}, {"a", "2"}, {"b", "1"}, {"b", "2"}});
    CHECK(read_all(options_of({args({"a", "b"}), args({"1", "2"}), args({"x", "y"})})) ==
          Records{{"a", "1", "x"},
                  {"a", "1", "y"},
                  {"a", "2", "x"},
                  {"a", "2", "y"},
                  {"b", "1", "x"},
                  {"b", "1", "y"},
                  {"b", "2", "x"},
                  {"b", "2", "y"}});
    CHECK(read_all(options_of({args({"a"}), args({"1", "2", "3"})})) ==
          Records{{"a", "1"}, {"a", "2"}, {"a", "3"}});
    CHECK(read_all(options_of({args({"a", "b", "c"}), args({"1"})})) ==
          Records{{"a", "1"}, {"b", "1"}, {"c", "1"}});
}

TEST_CASE("Input: once it has said end, it keeps saying end")
{
    Input input(options_of({args({"a", "b"}), args({"1", "2"})}));
    Record record;
    for (int i = 0; i < 4; ++i) {
        REQUIRE(input.next(record, true) == ReadStatus::record);
    }
    CHECK(record.columns == Argv{"b", "2"});
    CHECK(input.next(record, true) == ReadStatus::end);
    CHECK(input.next(record, true) == ReadStatus::end);
    CHECK(input.next(record, false) == ReadStatus::end);
}

TEST_CASE("Input: files as sources")
{
    TempDir dir;
    std::string letters = write_file(dir, "letters", "a\nb\n");
    std::string numbers = write_file(dir, "numbers", "1\n2");
    CHECK(read_all(options_of({file(letters), file(numbers)})) ==
          Records{{"a", "1"}, {"a", "2"}, {"b", "1"}, {"b", "2"}});
    CHECK(read_all(options_of({args({"x"}), file(letters)})) == Records{{"x", "a"}, {"x", "b"}});
    SUBCASE("with another delimiter")
    {
        std::string nul = write_file(dir, "nul", std::string("p\nq\0r\0", 6));
        InputSettings options = options_of({file(nul)});
        options.delimiter = '\0';
        CHECK(read_all(options) == Records{{"p\nq"}, {"r"}});
    }
}

TEST_CASE("Input: --link pairs values and wraps the shorter sources around")
{
    CHECK(read_all(options_of({args({"a", "b", "c"}), args({"1", "2"})}, true)) ==
          Records{{"a", "1"}, {"b", "2"}, {"c", "1"}});
    CHECK(read_all(options_of({args({"a"}), args({"1", "2", "3"})}, true)) ==
          Records{{"a", "1"}, {"a", "2"}, {"a", "3"}});
    CHECK(read_all(options_of({args({"a", "b"}), args({"1", "2"})}, true)) ==
          Records{{"a", "1"}, {"b", "2"}});
    CHECK(read_all(options_of({args({"a", "b", "c"}), args({"1", "2"}), args({"x"})}, true)) ==
          Records{{"a", "1", "x"}, {"b", "2", "x"}, {"c", "1", "x"}});
    CHECK(read_all(options_of({args({"a", "b"}), args({"1", "2", "3", "4", "5"})}, true)) ==
          Records{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"b", "4"}, {"a", "5"}});
    SUBCASE("the first source read from a file")
    {
        TempDir dir;
        std::string first = write_file(dir, "first", "a\nb\n");
        CHECK(read_all(options_of({file(first), args({"1", "2", "3"})}, true)) ==
              Records{{"a", "1"}, {"b", "2"}, {"a", "3"}});
        CHECK(read_all(options_of({file(first), args({"1"})}, true)) == Records{{"a", "1"}, {"b", "1"}});
    }
}

TEST_CASE("Input: an empty source means no records")
{
    TempDir dir;
    std::string empty = write_file(dir, "empty", "");
    CHECK(read_all(options_of({args({"a", "b"}), args({})})).empty());
    CHECK(read_all(options_of({args({"a", "b"}), file(empty)})).empty());
    CHECK(read_all(options_of({args({"a", "b"}), args({"1"}), args({})})).empty());
    CHECK(read_all(options_of({args({}), args({"1", "2"})})).empty());
    CHECK(read_all(options_of({file(empty), args({"1", "2"})})).empty());
    CHECK(read_all(options_of({args({"a", "b"}), args({})}, true)).empty());
}

TEST_CASE("Input: --colsep splits each value into columns")
{
    auto split = [](Argv values, std::vector<SourceSpec> more = {}) {
        std::vector<SourceSpec> sources{args(std::move(values))};
        sources.insert(sources.end(), more.begin(), more.end());
        InputSettings options = options_of(std::move(sources));
        options.colsep.emplace(",\\s*", "--colsep");
        return read_all(options);
    };
    CHECK(split({"a, b,c", "d"}) == Records{{"a", "b", "c"}, {"d"}});
    CHECK(split({"a,,b"}) == Records{{"a", "", "b"}});
    CHECK(split({",a"}) == Records{{"", "a"}});
    CHECK(split({""}) == Records{{""}});
    SUBCASE("each source's value is split")
    {
        CHECK(split({"a,b"}, {args({"1, 2"})}) == Records{{"a", "b", "1", "2"}});
    }
    SUBCASE("a trailing separator leaves an empty last column, as in GNU parallel")
    {
        CHECK(split({"a,"}) == Records{{"a", ""}});
        CHECK(split({",a,"}) == Records{{"", "a", ""}});
    }
}

TEST_CASE("Input: each record tells where it came from")
{
    SUBCASE("::: arguments")
    {
        Input input(options_of({args({"a", "b"}), args({"1", "2"})}));
        Record record;
        std::vector<std::string> origins;
        while (input.next(record, true) == ReadStatus::record) {
            origins.push_back(record.origin());
        }
        CHECK(origins == std::vector<std::string>{"::: arguments record 1", "::: arguments record 1",
                                                  "::: arguments record 2", "::: arguments record 2"});
    }
    SUBCASE("a file")
    {
        TempDir dir;
        std::string path = write_file(dir, "list", "a\nb\nc\n");
        Input input(options_of({file(path)}));
        Record record;
        for (int i = 0; i < 3; ++i) {
            REQUIRE(input.next(record, true) == ReadStatus::record);
        }
        CHECK(record.columns == Argv{"c"});
        CHECK(record.number == 3);
        CHECK(record.origin() == path + " record 3");
    }
}

TEST_CASE("Input: a value holding a NUL byte marks its record unusable, naming where")
{
    using namespace std::string_literals;
    auto unusable_of = [](std::vector<SourceSpec> sources, std::optional<std::string> colsep = std::nullopt,
                          bool link = false) {
        InputSettings options = options_of(std::move(sources), link);
        if (colsep) {
            options.colsep.emplace(*colsep, "--colsep");
        }
        Input input(options);
        std::vector<std::string> reasons;
        Record record;
        while (input.next(record, true) == ReadStatus::record) {
            reasons.push_back(record.unusable);
        }
        return reasons;
    };
    std::string hint = " (a command argument cannot contain NUL; use -0 for NUL-separated input)";
    TempDir dir;
    std::string path = write_file(dir, "list", "ok\nimportant\0.bak\n"s);
    CHECK(unusable_of({file(path)}) ==
          std::vector<std::string>{"", "fanout: " + path + " record 2: NUL byte at offset 9" + hint});
    SUBCASE("a later source names its own record")
    {
        CHECK(unusable_of({args({"a"}), file(path)}) ==
              std::vector<std::string>{"", "fanout: " + path + " record 2: NUL byte at offset 9" + hint});
    }
    SUBCASE("the first NUL counts, in the first source that holds one")
    {
        std::string two = write_file(dir, "two", "\0\0\n"s);
        CHECK(unusable_of({file(two), file(path)}) ==
              std::vector<std::string>{"fanout: " + two + " record 1: NUL byte at offset 0" + hint,
                                       "fanout: " + two + " record 1: NUL byte at offset 0" + hint});
    }
    SUBCASE("--colsep: the offset is in the record, and a NUL that separates is gone")
    {
        std::string columns = write_file(dir, "columns", "a:b\0c\n"s);
        CHECK(unusable_of({file(columns)}, ":") ==
              std::vector<std::string>{"fanout: " + columns + " record 1: NUL byte at offset 3" + hint});
        CHECK(unusable_of({file(columns)}, "\\x00") == std::vector<std::string>{""});
    }
    SUBCASE("--link: a value used again keeps its record number")
    {
        std::string first = write_file(dir, "first", "x\0y\nz\n"s);
        auto reasons = unusable_of({file(first), args({"1", "2", "3"})}, std::nullopt, true);
        CHECK(reasons ==
              std::vector<std::string>{"fanout: " + first + " record 1: NUL byte at offset 1" + hint, "",
                                       "fanout: " + first + " record 1: NUL byte at offset 1" + hint});
    }
}

TEST_CASE("Input: a source that cannot be read is an error naming it")
{
    TempDir dir;
    std::string missing = dir.file("missing");
    CHECK_THROWS_WITH_AS(Input(options_of({file(missing)})), doctest::Contains(missing.c_str()),
                         fanout::Error);
    CHECK_THROWS_WITH_AS(Input(options_of({args({"a"}), file(missing)})), doctest::Contains(missing.c_str()),
                         fanout::Error);
}

TEST_CASE("Input: the first source is read lazily, without blocking when asked")
{
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    int write_fd = fds[1];
    std::string path = "/dev/fd/" + std::to_string(fds[0]);
    Input input(options_of({file(path), args({"1", "2"})}));
    ::close(fds[0]); // Input opened its own descriptor
    CHECK(input.wait_fd() >= 0);

    Record record;
    CHECK(input.next(record, false) == ReadStatus::would_block);
    REQUIRE(::write(write_fd, "a\n", 2) == 2);
    REQUIRE(input.next(record, false) == ReadStatus::record);
    CHECK(record.columns == Argv{"a", "1"});
    REQUIRE(input.next(record, false) == ReadStatus::record);
    CHECK(record.columns == Argv{"a", "2"});
    CHECK(input.next(record, false) == ReadStatus::would_block);
    REQUIRE(::write(write_fd, "b", 1) == 1);
    ::close(write_fd);
    REQUIRE(input.next(record, false) == ReadStatus::record);
    CHECK(record.columns == Argv{"b", "1"});
    REQUIRE(input.next(record, false) == ReadStatus::record);
    CHECK(record.columns == Argv{"b", "2"});
    CHECK(input.next(record, false) == ReadStatus::end);
}

TEST_CASE("Input: where to wait")
{
    CHECK(Input(options_of({args({"a"})})).wait_fd() == -1);
    CHECK(Input(options_of({})).wait_fd() == STDIN_FILENO); // no source: stdin
}

namespace {

SourceSpec linked(SourceSpec spec)
{
    spec.linked = true;
    return spec;
}

} // namespace

TEST_CASE("Input: a linked source (:::+, ::::+) pairs with the one before it; the shortest ends the group")
{
    CHECK(read_all(options_of({args({"a", "b"}), args({"1", "2"}), linked(args({"x", "y"}))})) ==
          Records{{"a", "1", "x"}, {"a", "2", "y"}, {"b", "1", "x"}, {"b", "2", "y"}});
    CHECK(read_all(options_of({args({"a", "b", "c"}), linked(args({"1", "2"}))})) ==
          Records{{"a", "1"}, {"b", "2"}});
    CHECK(read_all(options_of({args({"a", "b"}), linked(args({"1", "2", "3"}))})) ==
          Records{{"a", "1"}, {"b", "2"}});
    CHECK(read_all(options_of({args({"a", "b"}), linked(args({"1", "2"})), args({"x", "y"}),
                               linked(args({"7", "8", "9"}))})) ==
          Records{{"a", "1", "x", "7"}, {"a", "1", "y", "8"}, {"b", "2", "x", "7"}, {"b", "2", "y", "8"}});
    CHECK(read_all(options_of({args({"a"}), args({"1", "2"}), linked(args({}))})).empty());
    SUBCASE("counted as read")
    {
        Input input(options_of({args({"a", "b", "c"}), args({"1", "2"}), linked(args({"x", "y", "z"}))}));
        CHECK(input.count_records() == std::optional<std::size_t>{6});
        CHECK(read_all(input).size() == 6);
    }
    SUBCASE("--link ignores the links: every source wraps")
    {
        CHECK(read_all(options_of({args({"a", "b", "c"}), args({"1", "2"}), linked(args({"x", "y"}))},
                                  true)) == Records{{"a", "1", "x"}, {"b", "2", "y"}, {"c", "1", "x"}});
    }
}

TEST_CASE("Input: a ::: value holding the delimiter is several values, as in GNU parallel")
{
    CHECK(read_all(options_of({args({"a\nb", "c\n"})})) == Records{{"a"}, {"b"}, {"c"}, {""}});
    InputSettings comma = options_of({args({"a,b"})});
    comma.delimiter = ',';
    CHECK(read_all(comma) == Records{{"a"}, {"b"}});
    Argv pieces;
    fanout::split_at_delimiter("x", '\n', pieces);
    CHECK(pieces == Argv{"x"});
}

TEST_CASE("Input: -r skips blank records of every source")
{
    InputSettings settings = options_of({args({"a", "", " \t", "b"}), args({"1", "\v\f\r", "2"})});
    settings.skip_blank = true;
    CHECK(read_all(settings) == Records{{"a", "1"}, {"a", "2"}, {"b", "1"}, {"b", "2"}});
    TempDir dir;
    InputSettings from_file = options_of({file(write_file(dir, "in", "a\n\n \nb\n"))});
    from_file.skip_blank = true;
    Input input(from_file);
    CHECK_FALSE(input.count_records().has_value()); // blank lines are known only once read
    CHECK(read_all(input) == Records{{"a"}, {"b"}});
}

TEST_CASE("Input: -E ends each source at its first record equal to STR")
{
    InputSettings settings = options_of({args({"a", "STOP", "b"}), args({"1", "STOP", "2"})});
    settings.eof = "STOP";
    CHECK(read_all(settings) == Records{{"a", "1"}});
    TempDir dir;
    InputSettings from_file = options_of({file(write_file(dir, "in", "a\n STOP\n\nSTOP\nb\n"))});
    from_file.eof = "STOP";
    from_file.skip_blank = true;
    Input input(from_file);
    CHECK_FALSE(input.count_records().has_value()); // where STR is is known only once read
    CHECK(read_all(input) == Records{{"a"}, {" STOP"}});
}

TEST_CASE("Input: -L joins a record ending in white space with the next, as GNU parallel")
{
    InputSettings settings = options_of({args({"a ", "b", "c\t", "", "d", "e "})});
    settings.join_continued = true;
    CHECK(read_all(settings) == Records{{"a b"}, {"c\td"}, {"e "}});
    TempDir dir;
    InputSettings from_file = options_of({file(write_file(dir, "in", "  \na \n  \nb\nc \nSTOP\nd\n"))});
    from_file.join_continued = true;
    from_file.skip_blank = true; // drops the first "  "; the second goes on "a "
    from_file.eof = "STOP";      // the record begun before it still counts
    CHECK(read_all(from_file) == Records{{"a   b"}, {"c "}});
}

TEST_CASE("Input: --trim removes white space from the ends it names, of every value")
{
    auto trimmed = [](fanout::Trim trim, bool colsep) {
        InputSettings options = options_of({args({" a , b ", "\t\v"})});
        options.trim = trim;
        if (colsep) {
            options.colsep.emplace(",", "--colsep");
        }
        return read_all(options);
    };
    CHECK(trimmed(fanout::Trim::none, true) == Records{{" a ", " b "}, {"\t\v"}});
    CHECK(trimmed(fanout::Trim::left, true) == Records{{"a ", "b "}, {""}});
    CHECK(trimmed(fanout::Trim::right, true) == Records{{" a", " b"}, {""}});
    CHECK(trimmed(fanout::Trim::both, true) == Records{{"a", "b"}, {""}});
    CHECK(trimmed(fanout::Trim::both, false) == Records{{"a , b"}, {""}});
    CHECK(trimmed(fanout::Trim::none, false) == Records{{" a , b "}, {"\t\v"}});
}

TEST_CASE("Input: --csv splits CSV records, which may go on past a line")
{
    TempDir dir;
    std::string path = write_file(dir, "in.csv", "a,b\n\"x, y\",\"he said \"\"hi\"\"\"\n\"multi\nline\",z\n");
    InputSettings options = options_of({file(path)});
    options.csv = true;
    CHECK_FALSE(Input(options).count_records()); // its lines are not its records
    CHECK(read_all(options) == Records{{"a", "b"}, {"x, y", "he said \"hi\""}, {"multi\nline", "z"}});
    SUBCASE("::: values and later sources too")
    {
        options.sources = {args({"1;\"2", "3\""}), file(path)};
        options.csv_separator = ';';
        CHECK(read_all(options).front() == Argv{"1", "2\n3", "a,b"});
    }
}

TEST_CASE("Input: a record that is not CSV is not run, naming its file and line")
{
    TempDir dir;
    std::string path = write_file(dir, "in.csv", "a,b\n\"x\ny\",c\"d\"\nok\n\"open\nto the end\n");
    InputSettings options = options_of({file(path)});
    options.csv = true;
    Input input(options);
    Record record;
    REQUIRE(input.next(record, true) == ReadStatus::record);
    CHECK(record.unusable.empty());
    REQUIRE(input.next(record, true) == ReadStatus::record);
    CHECK(record.unusable == "fanout: " + path +
                                 " line 2: not CSV: a '\"' inside an unquoted field (byte 8) "
                                 "(the record is not run)");
    REQUIRE(input.next(record, true) == ReadStatus::record);
    CHECK(record.columns == Argv{"ok"});
    REQUIRE(input.next(record, true) == ReadStatus::record);
    CHECK(record.unusable == "fanout: " + path +
                                 " line 5: not CSV: a quoted field (byte 1) has no closing '\"' "
                                 "(the record is not run)");
    CHECK(input.next(record, true) == ReadStatus::end);
}

TEST_CASE("Input: --header: the first record of each source names its columns")
{
    TempDir dir;
    std::string path = write_file(dir, "in.tsv", "file\tsize\r\na.png\t10\n");
    InputSettings options = options_of({file(path), args({"x", "1", "2"})});
    options.header = true;
    options.colsep.emplace("\t", "--header");
    Input input(options);
    CHECK(input.column_names() == Argv{"file", "size", "x"});
    CHECK(read_all(input) == Records{{"a.png", "10", "1"}, {"a.png", "10", "2"}});
    SUBCASE("with --csv, the header is a CSV record; names are not trimmed")
    {
        options.sources = {args({"\" a\",\"b,c\"", "1,2"})};
        options.colsep.reset();
        options.csv = true;
        Input csv(options);
        CHECK(csv.column_names() == Argv{" a", "b,c"});
    }
    SUBCASE("a source with no record has no names")
    {
        options.sources = {args({})};
        CHECK(Input(options).column_names().empty());
    }
}
