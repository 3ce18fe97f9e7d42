#include "held_command.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using fanout::run_held_command;

TEST_CASE("held_command: the status as a shell reports it")
{
    CHECK(run_held_command({"/bin/sh", "-c", "exit 0"}) == 0);
    CHECK(run_held_command({"/bin/sh", "-c", "exit 3"}) == 3);
    CHECK(run_held_command({"/bin/sh", "-c", "kill -9 $$"}) == 128 + 9);
    CHECK(run_held_command({"/bin/sh", "-c", "kill -TERM $$"}) == 128 + 15);
}

TEST_CASE("held_command: a program that cannot run is 127, as a shell says")
{
    CHECK(run_held_command({"/nonexistent/shell", "-c", "true"}) == 127);
}
