#include "error.hpp"
#include "support/test_support.hpp"
#include "temp_file.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

using fanout::open_temp_file;
using fanout::temp_dir;
using fanout::try_open_temp_file;

namespace {

using fanout::test::ScopedEnv;
using fanout::test::TempDir;

} // namespace

TEST_CASE("temp_file: $TMPDIR, or /tmp when it is empty")
{
    TempDir dir;
    {
        ScopedEnv tmpdir("TMPDIR", dir.path().string());
        CHECK(temp_dir() == dir.path().string());
    }
    ScopedEnv tmpdir("TMPDIR", "");
    CHECK(temp_dir() == "/tmp");
}

TEST_CASE("temp_file: an unlinked file in $TMPDIR, read back as written")
{
    TempDir dir;
    ScopedEnv tmpdir("TMPDIR", dir.path().string());
    fanout::Fd file = open_temp_file("to test");
    REQUIRE(file);
    struct stat info {};
    REQUIRE(::fstat(file.get(), &info) == 0);
    CHECK(info.st_nlink == 0); // nothing is left behind, whatever happens to us
    CHECK(std::filesystem::is_empty(dir.path()));
    REQUIRE(::pwrite(file.get(), "abc", 3, 0) == 3);
    char back[3] = {};
    REQUIRE(::pread(file.get(), back, 3, 0) == 3);
    CHECK(std::string(back, 3) == "abc");
}

TEST_CASE("temp_file: a $TMPDIR that does not exist: an invalid Fd, or an Error naming it and the purpose")
{
    TempDir dir;
    std::string missing = dir.file("missing");
    ScopedEnv tmpdir("TMPDIR", missing);
    CHECK_FALSE(try_open_temp_file());
    CHECK_THROWS_WITH_AS(open_temp_file("to hold job output"),
                         doctest::Contains((missing + " to hold job output").c_str()), fanout::Error);
}
