// Temporary files: the one place that knows where they go ($TMPDIR, else /tmp).
#pragma once

#include "fd.hpp"

#include <string>
#include <string_view>

namespace fanout {

// $TMPDIR, or /tmp when it is unset or empty.
std::string temp_dir();

// Opens an unlinked temp file in temp_dir(): an invalid Fd, errno set, when it cannot.
Fd try_open_temp_file();

// The same, but throws Error naming the directory and `purpose` ("to hold job output").
Fd open_temp_file(std::string_view purpose);

} // namespace fanout
