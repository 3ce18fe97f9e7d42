#include "csv.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using fanout::csv_record_open;
using fanout::parse_csv_record;

using Fields = std::vector<std::string>;

namespace {

Fields fields_of(const std::string& record, char separator = ',')
{
    Fields fields;
    std::optional<std::string> error = parse_csv_record(record, separator, fields);
    INFO(error.value_or(""));
    CHECK(!error);
    return fields;
}

std::string error_of(const std::string& record)
{
    Fields fields{"kept"};
    std::optional<std::string> error = parse_csv_record(record, ',', fields);
    CHECK(fields == Fields{"kept"}); // nothing added to a record that is not CSV
    return error.value_or("(parsed)");
}

} // namespace

TEST_CASE("CSV: plain fields, empty fields and a trailing separator")
{
    CHECK(fields_of("a,b,c") == Fields{"a", "b", "c"});
    CHECK(fields_of("") == Fields{""});
    CHECK(fields_of(",") == Fields{"", ""});
    CHECK(fields_of("a,") == Fields{"a", ""});
    CHECK(fields_of(" a , b ") == Fields{" a ", " b "}); // white space is --trim's business
}

TEST_CASE("CSV: quoted fields hold separators, doubled quotes and newlines")
{
    CHECK(fields_of(R"("x, y","he said ""hi""")") == Fields{"x, y", R"(he said "hi")"});
    CHECK(fields_of("\"multi\nline\",z") == Fields{"multi\nline", "z"});
    CHECK(fields_of(R"(a,"",b)") == Fields{"a", "", "b"});
    CHECK(fields_of(R"("")") == Fields{""});
    CHECK(fields_of(R"("a",)") == Fields{"a", ""});
    CHECK(fields_of(R"("""")") == Fields{"\""});
}

TEST_CASE("CSV: another separator")
{
    CHECK(fields_of(R"(a;"b;c";d,e)", ';') == Fields{"a", "b;c", "d,e"});
    CHECK(fields_of("a\tb", '\t') == Fields{"a", "b"});
}

TEST_CASE("CSV: a CR ending the record is its line end")
{
    CHECK(fields_of("a,b\r") == Fields{"a", "b"});
    CHECK(fields_of("\"a\r\",b") == Fields{"a\r", "b"});
}

TEST_CASE("CSV: what is not CSV is refused, saying where")
{
    CHECK(error_of(R"("a)") == "a quoted field (byte 1) has no closing '\"'");
    CHECK(error_of(R"(x,"a)") == "a quoted field (byte 3) has no closing '\"'");
    CHECK(error_of(R"(a"b,c)") == "a '\"' inside an unquoted field (byte 2)");
    CHECK(error_of(R"("a"b,c)") == "text after the closing '\"' of a quoted field (byte 4)");
    CHECK(error_of(R"( "a" ,b)") == "a '\"' inside an unquoted field (byte 2)");
}

TEST_CASE("CSV: a record is open while it has an odd number of quotes")
{
    CHECK_FALSE(csv_record_open("a,b"));
    CHECK(csv_record_open("a,\"b"));
    CHECK_FALSE(csv_record_open("a,\"b\nc\""));
    CHECK(csv_record_open("\"\"\""));
}
