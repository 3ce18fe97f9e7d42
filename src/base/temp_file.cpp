#include "temp_file.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace fanout {

std::string temp_dir()
{
    const char* dir = std::getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

Fd try_open_temp_file()
{
    std::string dir = temp_dir();
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    // Filesystems without O_TMPFILE (and old kernels): a named file, unlinked at once.
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        std::string path = dir + "/fanout.XXXXXX";
        fd = ::mkostemp(path.data(), O_CLOEXEC);
        if (fd >= 0) {
            ::unlink(path.c_str());
        }
    }
    return Fd(fd);
}

Fd create_kept_temp_file(std::string_view prefix, std::string_view suffix, std::string& path)
{
    path = temp_dir() + "/" + std::string(prefix) + "XXXXXX" + std::string(suffix);
    Fd file(::mkostemps(path.data(), static_cast<int>(suffix.size()), O_CLOEXEC));
    if (!file) {
        throw Error(os_error("cannot create a file in " + temp_dir()));
    }
    return file;
}

Fd open_temp_file(std::string_view purpose)
{
    Fd file = try_open_temp_file();
    if (!file) {
        int error = errno;
        throw Error(
            os_error("cannot create a temp file in " + temp_dir() + " " + std::string(purpose), error));
    }
    return file;
}

} // namespace fanout
