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

std::uint64_t key_of(const PerlCall& call)
{
    return (static_cast<std::uint64_t>(call.expression) << 40U) ^ static_cast<std::uint64_t>(call.arg);
}

void PerlResults::add(const PerlCall& call, PerlValue value)
{
    m_unquoted = m_unquoted || value.unquoted;
    m_nul = m_nul || value.text.find('\0') != std::string::npos;
    m_values.insert_or_assign(key_of(call), std::move(value));
}

const PerlValue* PerlResults::find(const PerlCall& call) const
{
    auto found = m_values.find(key_of(call));
    return found == m_values.end() ? nullptr : &found->second;
}

} // namespace fanout
