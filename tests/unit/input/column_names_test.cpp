#include "column_names.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using fanout::name_columns;

using Names = std::vector<std::string>;

TEST_CASE("Column names: {name} and its forms become {N}")
{
    Names names{"file", "size"};
    CHECK(name_columns("convert {file} -resize {size} out/{file}", names) ==
          "convert {1} -resize {2} out/{1}");
    CHECK(name_columns("{file.} {file/} {file//} {file/.}", names) == "{1.} {1/} {1//} {1/.}");
    CHECK(name_columns("{}{1}{#}{%}", names) == "{}{1}{#}{%}");
}

TEST_CASE("Column names: a name of no column, or an unknown form, stays as it is")
{
    Names names{"a"};
    CHECK(name_columns("{b} {a..} {a} {a", names) == "{b} {a..} {1} {a");
    CHECK(name_columns("", names).empty());
}

TEST_CASE("Column names: hostile names mean themselves, in one pass")
{
    struct Case {
        const char* why;
        Names names;
        const char* text;
        const char* rewritten;
    };
    const Case cases[] = {
        {"regex characters are literal", {"a.b", "x(y", "1"}, "{a.b}{axb}{x(y}", "{1}{axb}{2}"},
        {"a rewrite is not rewritten again; a name wins over a position, as in GNU parallel",
         {"x", "1"},
         "{x} {1}",
         "{1} {2}"},
        {"an empty name names nothing: {} keeps its meaning", {"a", ""}, "{} {.} {a}", "{} {.} {1}"},
        {"the longest name wins; of equal names, the first", {"a", "a.", "a"}, "{a.} {a}", "{2} {1}"},
        {"braces inside a name", {"{x}", "}"}, "{{x}} {}} {x}", "{1} {2} {x}"},
    };
    for (const Case& c : cases) {
        INFO(c.why);
        CHECK(name_columns(c.text, c.names) == c.rewritten);
    }
}

TEST_CASE("Column names: the code of a {= perl =} expression is not rewritten")
{
    Names names{"a", "b"};
    CHECK(name_columns("{a} {= $_ .= \"{a}\" =} {b}", names) == "{1} {= $_ .= \"{a}\" =} {2}");
    CHECK(name_columns("{=2 s/{b}// =}{b}", names) == "{=2 s/{b}// =}{2}");
    CHECK(name_columns("{= unterminated {a}", names) == "{= unterminated {a}");
}
