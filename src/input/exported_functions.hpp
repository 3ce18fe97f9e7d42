// ExportedFunctions: the bash functions our environment exports (`export -f`), which
// only bash can run: a command that starts with one needs bash, not a direct exec.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout {

class ExportedFunctions {
public:
    ExportedFunctions() = default;
    // The functions of `environment` (NAME=value entries, NULL-terminated): bash exports
    // f as BASH_FUNC_f%%=() { ...; } (older bash: BASH_FUNC_f()=...).
    explicit ExportedFunctions(const char* const* environment);

    [[nodiscard]] bool empty() const { return m_names.empty(); }
    [[nodiscard]] bool contains(std::string_view name) const;

private:
    std::vector<std::string> m_names; // sorted
};

} // namespace fanout
