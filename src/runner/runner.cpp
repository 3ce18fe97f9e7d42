#include "runner.hpp"

#include <sys/wait.h>

namespace fanout {

bool ExitInfo::signaled() const
{
    return WIFSIGNALED(status);
}

int ExitInfo::exit_code() const
{
    return signaled() ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int ExitInfo::signal() const
{
    return signaled() ? WTERMSIG(status) : 0;
}

} // namespace fanout
