#include "exported_functions.hpp"

#include <algorithm>

namespace fanout {

namespace {

constexpr std::string_view k_prefix = "BASH_FUNC_";

// The function an environment entry exports, or "" when it exports none.
std::string_view function_of(std::string_view entry)
{
    if (!entry.starts_with(k_prefix)) {
        return {};
    }
    std::string_view name = entry.substr(k_prefix.size(), entry.find('=') - k_prefix.size());
    for (std::string_view suffix : {std::string_view("%%"), std::string_view("()")}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            return name.substr(0, name.size() - suffix.size());
        }
    }
    return {};
}

} // namespace

ExportedFunctions::ExportedFunctions(const char* const* environment)
{
    for (const char* const* entry = environment; *entry != nullptr; ++entry) {
        if (std::string_view name = function_of(*entry); !name.empty()) {
            m_names.emplace_back(name);
        }
    }
    std::sort(m_names.begin(), m_names.end());
}

bool ExportedFunctions::contains(std::string_view name) const
{
    return !m_names.empty() && std::binary_search(m_names.begin(), m_names.end(), name);
}

} // namespace fanout
