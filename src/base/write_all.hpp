// Writing whole buffers to a descriptor, surviving EINTR, short writes and O_NONBLOCK.
#pragma once

#include <string_view>

namespace fanout {

// Writes every byte of data to fd. Throws BrokenPipe on EPIPE, Error otherwise;
// `what` names the destination in the message ("stdout", "temp file").
void write_all(int fd, std::string_view data, const char* what);

} // namespace fanout
