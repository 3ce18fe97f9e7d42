#include "ssh_login.hpp"

#include "error.hpp"

#include <charconv>
#include <fstream>

namespace fanout {

namespace {

bool parse_number(std::string_view text, unsigned long& value)
{
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

// The login with a password in it ("user:pw@host") shown as "user:***@host".
std::string without_password(std::string_view text)
{
    std::size_t at = text.rfind('@');
    std::size_t colon = text.find(':');
    if (at == std::string_view::npos || colon == std::string_view::npos || colon > at) {
        return std::string(text);
    }
    return std::string(text.substr(0, colon + 1)) + "***" + std::string(text.substr(at));
}

SshLogin parse_one(std::string_view text, const std::string& where)
{
    auto bad = [&](const std::string& why) {
        return Error(where + ": '" + without_password(text) + "': " + why);
    };
    if (without_password(text) != text) {
        // GNU parallel hands it to sshpass; a password never goes into a message here.
        throw bad("a password in the login is not supported (use ssh keys or an agent)");
    }
    SshLogin login;
    std::string_view rest = text;
    if (std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
        unsigned long slots = 0;
        if (!parse_number(rest.substr(0, slash), slots) || slots == 0 || slots > 100000) {
            throw bad("the number of slots before '/' must be a whole number from 1");
        }
        login.slots = slots;
        rest.remove_prefix(slash + 1);
    }
    login.name = std::string(rest);
    if (rest == ":") {
        login.local = true;
        return login;
    }
    std::size_t at = rest.rfind('@');
    std::size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && (at == std::string_view::npos || colon > at) &&
        rest.find(':', at == std::string_view::npos ? 0 : at + 1) == colon) {
        unsigned long port = 0;
        if (!parse_number(rest.substr(colon + 1), port) || port == 0 || port > 65535) {
            throw bad("the port after ':' must be a number from 1 to 65535");
        }
        login.port = static_cast<unsigned>(port);
        rest = rest.substr(0, colon);
    }
    std::string_view host = at == std::string_view::npos ? rest : rest.substr(at + 1);
    if (host.empty() || (at != std::string_view::npos && at == 0)) {
        throw bad(host.empty() ? "no host name" : "no user name before '@'");
    }
    if (host.front() == '-' || rest.find_first_of(" \t\n'\"\\;&|`$") != std::string_view::npos) {
        throw bad("not a host name");
    }
    login.destination = std::string(rest);
    return login;
}

std::string trim(std::string_view text)
{
    std::size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    std::size_t last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

} // namespace

std::vector<SshLogin> parse_sshlogins(const std::string& text, const std::string& where)
{
    std::vector<SshLogin> logins;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        std::string entry = trim(std::string_view(text).substr(start, comma - start));
        if (entry.empty()) {
            throw Error(where + ": an empty host name in '" + text + "'");
        }
        logins.push_back(parse_one(entry, where));
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return logins;
}

std::vector<SshLogin> read_sshloginfile(const std::string& path)
{
    std::ifstream in(path);
    if (!in) {
        throw Error(os_error("--sshloginfile: cannot read '" + path + "'"));
    }
    std::vector<SshLogin> logins;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        std::string entry = trim(line);
        if (entry.empty() || entry.front() == '#') {
            continue;
        }
        auto more = parse_sshlogins(entry, path + ":" + std::to_string(number));
        logins.insert(logins.end(), more.begin(), more.end());
    }
    return logins;
}

} // namespace fanout
