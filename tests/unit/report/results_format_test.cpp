#include "results_format.hpp"
#include "table_results.hpp"

#include <doctest/doctest.h>

#include <string>

using fanout::csv_field;
using fanout::gnu_json_text;
using fanout::results_dir_name;
using fanout::results_dir_names;

TEST_CASE("results_dir_name: GNU parallel's escapes")
{
    CHECK(results_dir_name("plain value") == "plain value");
    CHECK(results_dir_name("a/b") == "a\\_b");
    CHECK(results_dir_name("c\\d") == "c\\\\d");
    CHECK(results_dir_name("t\tt") == "t\\tt");
    CHECK(results_dir_name(std::string("n\0l", 3)) == "n\\0l");
    CHECK(results_dir_name("/..") == "\\_..");
    SUBCASE("newlines and bytes that are not UTF-8 stay as they are, as in GNU parallel")
    {
        CHECK(results_dir_name("n\nl") == "n\nl");
        CHECK(results_dir_name("\xFF\xFE") == "\xFF\xFE");
    }
    SUBCASE("names starting with a dot other than . and .. stay")
    {
        CHECK(results_dir_name(".hidden") == ".hidden");
        CHECK(results_dir_name("...") == "...");
    }
}

TEST_CASE("results_dir_name: no value names the directory itself or the one above")
{
    CHECK(results_dir_name("") == "\\");
    CHECK(results_dir_name(".") == "\\.");
    CHECK(results_dir_name("..") == "\\..");
}

TEST_CASE("results_dir_name: a name too long keeps its start and a hash of the value")
{
    std::string value(300, 'x');
    std::string name = results_dir_name(value);
    CHECK(name.size() == 255);
    CHECK(name.starts_with(std::string(100, 'x')));
    CHECK(name.find("\\#") == 255 - 18);
    std::string other = value;
    other.back() = 'y';
    CHECK(results_dir_name(other) != name);
    CHECK(results_dir_name(std::string(255, 'x')) == std::string(255, 'x'));
    CHECK(results_dir_name(std::string(200, '/')).size() == 255); // escapes count
}

TEST_CASE("results_dir_names: source numbers and values, or a task's id")
{
    CHECK(results_dir_names({"a", "b/c"}, "") == std::vector<std::string>{"1", "a", "2", "b\\_c"});
    CHECK(results_dir_names({}, "build/x").size() == 1);
    CHECK(results_dir_names({"ignored"}, "..") == std::vector<std::string>{"\\.."});
    SUBCASE("a job of several records numbers each record's values from 1")
    {
        CHECK(results_dir_names({"a", "x", "b", "x"}, "", 2) ==
              std::vector<std::string>{"1", "a", "2", "x", "1", "b", "2", "x"});
        CHECK(results_dir_names({"a", "b", "c"}, "", 1) ==
              std::vector<std::string>{"1", "a", "1", "b", "1", "c"});
    }
}

TEST_CASE("results_dir_names: --header's names, in GNU parallel's order")
{
    CHECK(results_dir_names({"I", "III"}, "", 0, {"b", "a"}) ==
          std::vector<std::string>{"a", "III", "b", "I"});
    SUBCASE("numbers first by value, then names byte by byte; names escaped")
    {
        CHECK(results_dir_names({"1", "2", "3", "4"}, "", 0, {"11a", "x/y", "2", "1b"}) ==
              std::vector<std::string>{"x\\_y", "2", "1b", "4", "2", "3", "11a", "1"});
    }
    SUBCASE("each record of a job ordered alike")
    {
        CHECK(results_dir_names({"p", "q", "r", "s"}, "", 2, {"z", "a"}) ==
              std::vector<std::string>{"a", "q", "z", "p", "a", "s", "z", "r"});
    }
}

TEST_CASE("csv_field: quoted as GNU parallel's combine_ref")
{
    CHECK(csv_field("plain", ',') == "plain");
    CHECK(csv_field("a,b", ',') == "\"a,b\"");
    CHECK(csv_field("a,b", '\t') == "a,b");
    CHECK(csv_field("a\tb", '\t') == "\"a\tb\"");
    CHECK(csv_field("say \"hi\"", ',') == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("q\"q", ',') == "\"q\"\"q\"");
    CHECK(csv_field("line\n", ',') == "\"line\n\"");
    CHECK(csv_field("cr\r", ',') == "\"cr\r\"");
    CHECK(csv_field(std::string("n\0l", 3), ',') == std::string("\"n\0l\"", 5));
    CHECK(csv_field("", ',').empty());
    CHECK(csv_field("\xC3\xA9", ',') == "\xC3\xA9");
}

TEST_CASE("gnu_json_text: GNU parallel's escapes, bytes above 0x1f as they are")
{
    CHECK(gnu_json_text("a\\b\"c") == "a\\\\b\\\"c");
    CHECK(gnu_json_text("\t\n\x01") == "\\u0009\\u000a\\u0001");
    CHECK(gnu_json_text("\xFF/\x7F") == "\xFF/\x7F");
}

TEST_CASE("table_header: V1.. for each value, in the separator asked")
{
    CHECK(fanout::table_header(2, ',', {"name", "a b"}) ==
          "Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,name,\"a b\",Stdout,Stderr\n");
    CHECK(fanout::table_header(2, ',') ==
          "Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,V2,Stdout,Stderr\n");
    CHECK(fanout::table_header(0, '\t') ==
          "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\tStdout\tStderr\n");
}

TEST_CASE("table_row: one job, fields as GNU parallel writes them")
{
    fanout::JobRecord job;
    job.seq = 3;
    job.command = "echo 'a b'";
    job.args = {"a b"};
    job.start = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
    job.runtime = std::chrono::milliseconds(1500);
    job.bytes[0] = 4;
    job.output[0] = "a b\n";
    CHECK(fanout::table_row(job, fanout::TableFormat::csv) ==
          "3,:,1700000000.123,1.500,0,4,0,0,\"echo 'a b'\",\"a b\",\"a b\n\",\n");
    CHECK(fanout::table_row(job, fanout::TableFormat::json) ==
          "{ \"Seq\": 3, \"Host\": \":\", \"Starttime\": 1700000000.123, \"JobRuntime\": 1.500, \"Send\": 0, "
          "\"Receive\": 4, \"Exitval\": 0, \"Signal\": 0, \"Command\": \"echo 'a b'\", \"V\": [ \"a b\" ], "
          "\"Stdout\": \"a b\\u000a\", \"Stderr\": \"\" }\n");
    job.signal = 15;
    job.exit_code = 143;
    CHECK(fanout::table_row(job, fanout::TableFormat::tsv)
              .starts_with("3\t:\t1700000000.123\t1.500\t0\t4\t0\t15\t"));
}
