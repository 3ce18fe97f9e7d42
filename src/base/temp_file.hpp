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

// Creates a file that stays, named temp_dir()/<prefix>XXXXXX<suffix> (--files); sets
// `path` to its name. Throws Error naming the directory when it cannot.
Fd create_kept_temp_file(std::string_view prefix, std::string_view suffix, std::string& path);

// The same as try_open_temp_file, but throws Error naming the directory and `purpose` ("to hold job output").
Fd open_temp_file(std::string_view purpose);

} // namespace fanout
