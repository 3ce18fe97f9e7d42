// Where a named semaphore's slots live: a private directory per user and per name,
// which another local user can neither create, replace nor write into.
#pragma once

#include "fd.hpp"

#include <string>
#include <string_view>

namespace fanout {

// `name` as one file name: letters, digits, '-' and '_' stay, every other byte becomes
// %XX, so distinct names give distinct files and none is "..", hidden or holds a '/'.
// Throws Error for an empty name or one whose file name would be too long.
[[nodiscard]] std::string semaphore_file_name(std::string_view name);

// The directory of semaphore `name`, made if missing, opened without following
// symbolic links: $XDG_RUNTIME_DIR/fanout-semaphores/NAME, or
// $HOME/.fanout-semaphores/NAME without one. Throws Error naming the directory when it
// (or the one it is in) belongs to another user or others may write into it.
[[nodiscard]] Fd open_semaphore_dir(std::string_view name);

// The private directory `name` inside `parent` (shown as `path`), made 0700 if
// missing; refused as open_semaphore_dir() says.
[[nodiscard]] Fd open_private_dir(int parent, const std::string& name, const std::string& path);

} // namespace fanout
