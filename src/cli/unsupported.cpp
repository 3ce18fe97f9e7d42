#include "unsupported.hpp"

#include "error.hpp"

#include <algorithm>
#include <utility>

namespace fanout {

namespace {

// GNU parallel's options whose work fanout does some other way. The rest of GNU's
// options fanout lacks get the plain message.
constexpr std::pair<std::string_view, std::string_view> k_nearest[] = {
    {"-v", "-t/--verbose"},
    {"--pipe-part", "--pipe -a FILE"},
    {"--pipepart", "--pipe -a FILE"},
    {"--cat", "--pipe (each block on the job's stdin)"},
    {"--fifo", "--pipe (each block on the job's stdin)"},
    {"--ctag", "--color always --tag"},
    {"--ctagstring", "--color always --tagstring"},
    {"--ctag-string", "--color always --tagstring"},
    {"--nice", "nice -n N as the command"},
    {"--shuf", "shuf FILE | fanout ..."},
    {"--basefile", "--transferfile"},
    {"--bf", "--transferfile"},
    {"--retry-failed", "--resume-failed"},
    {"--retryfailed", "--resume-failed"},
    {"--no-keep-order", "leave out -k"},
    {"--nok", "leave out -k"},
    {"--controlmaster", "none needed: fanout always shares one ssh connection per host"},
    {"-M", "none needed: fanout always shares one ssh connection per host"},
    {"--shell-completion", "the files in fanout's completions/"},
    {"--parens", "{= =} (perl expressions have no other delimiters)"},
};

} // namespace

std::string unsupported_option_message(std::string_view word)
{
    std::string_view name = word.substr(0, word.find('='));
    const auto* found = std::find_if(std::begin(k_nearest), std::end(k_nearest),
                                     [name](const auto& entry) { return entry.first == name; });
    std::string message = "unknown option '" + std::string(name) + "'";
    if (found != std::end(k_nearest)) {
        return message + ": fanout does not support it; nearest: " + std::string(found->second);
    }
    return message + " (see fanout --help)";
}

} // namespace fanout
