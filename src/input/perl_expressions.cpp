#include "perl_expressions.hpp"

#include "error.hpp"

#include <algorithm>

namespace fanout {

RplTag parse_rpl(std::string_view text)
{
    std::size_t space = text.find_first_of(" \t\n\r\f");
    if (space == std::string_view::npos || space == 0) {
        throw Error("--rpl '" + std::string(text) + "': expected 'TAG perl-expression'");
    }
    return RplTag{std::string(text.substr(0, space)), std::string(text.substr(space + 1))};
}

std::size_t PerlExpressions::add(const std::string& code)
{
    auto found = std::find(m_codes.begin(), m_codes.end(), code);
    if (found != m_codes.end()) {
        return static_cast<std::size_t>(found - m_codes.begin());
    }
    m_codes.push_back(code);
    return m_codes.size() - 1;
}

const PerlValue* PerlResults::find(const PerlCall& call) const
{
    auto found =
        std::find_if(values.begin(), values.end(), [&](const auto& entry) { return entry.first == call; });
    return found == values.end() ? nullptr : &found->second;
}

bool PerlResults::any_unquoted() const
{
    return std::any_of(values.begin(), values.end(), [](const auto& entry) { return entry.second.unquoted; });
}

} // namespace fanout
