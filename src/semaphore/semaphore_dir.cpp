#include "semaphore_dir.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace fanout {

namespace {

// Room left for "slot.NNNN" and the like beside a 255-byte NAME_MAX.
constexpr std::size_t k_max_file_name = 200;

bool is_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Refuses a directory another user could use against us: one they own (they could
// remove our slot files or put their own in), or one others may write into.
void check_private(int fd, const std::string& path, mode_t forbidden)
{
    struct stat st {};
    check_os(::fstat(fd, &st), "fstat");
    if (st.st_uid != ::geteuid()) {
        throw Error("semaphore directory " + path + " belongs to user " + std::to_string(st.st_uid) +
                    ", not to us (" + std::to_string(::geteuid()) +
                    "): refused, since its owner could block or forge our slots");
    }
    if ((st.st_mode & forbidden) != 0) {
        throw Error("semaphore directory " + path + " may be written by others (mode " +
                    std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                    std::to_string(st.st_mode & 7) + "): refused, since they could block or forge our slots");
    }
}

Fd open_dir(int parent, const std::string& name, const std::string& path, int follow = O_NOFOLLOW)
{
    Fd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | follow | O_CLOEXEC));
    if (!dir) {
        throw Error(os_error("semaphore directory " + path));
    }
    return dir;
}

} // namespace

std::string semaphore_file_name(std::string_view name)
{
    if (name.empty()) {
        throw Error("--semaphorename: the name is empty");
    }
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string file;
    for (char c : name) {
        auto byte = static_cast<unsigned char>(c);
        if (is_plain(byte)) {
            file += c;
        } else {
            file += {'%', k_hex[byte >> 4], k_hex[byte & 15]};
        }
    }
    if (file.size() > k_max_file_name) {
        throw Error("--semaphorename: the name is too long (" + std::to_string(name.size()) + " bytes)");
    }
    return file;
}

Fd open_private_dir(int parent, const std::string& name, const std::string& path)
{
    if (::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) {
        throw Error(os_error("cannot make semaphore directory " + path));
    }
    Fd dir = open_dir(parent, name, path);
    check_private(dir.get(), path, S_IWGRP | S_IWOTH); // we made it 0700: anything else is not ours
    return dir;
}

Fd open_semaphore_dir(std::string_view name)
{
    std::string file = semaphore_file_name(name);
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    const char* home = std::getenv("HOME");
    bool use_runtime = runtime != nullptr && runtime[0] == '/';
    if (!use_runtime && (home == nullptr || home[0] != '/')) {
        throw Error("--semaphore: neither XDG_RUNTIME_DIR nor HOME names a directory for the slots");
    }
    std::string base = use_runtime ? runtime : home;
    // The base may be group-writable (a user's private group); not by everyone.
    Fd base_dir = open_dir(AT_FDCWD, base, base, 0); // the user's own variable may name a link
    check_private(base_dir.get(), base, S_IWOTH);
    std::string top = use_runtime ? "fanout-semaphores" : ".fanout-semaphores";
    Fd top_dir = open_private_dir(base_dir.get(), top, base + "/" + top);
    return open_private_dir(top_dir.get(), file, base + "/" + top + "/" + file);
}

} // namespace fanout
