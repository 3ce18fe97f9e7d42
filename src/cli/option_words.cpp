#include "option_words.hpp"

#include <algorithm>

namespace fanout {

OptionWords scan_option_words(int argc, const char* const* argv)
{
    OptionWords words;
    for (int i = 1; i < argc; ++i) {
        std::string_view word = argv[i];
        if (word == ":::" || word == "::::" || word == "--") {
            break;
        }
        if (word.starts_with("--")) {
            words.long_names.push_back(word.substr(0, word.find('=')));
        } else if (word.size() > 1 && word.front() == '-') {
            words.short_letters.append(word.substr(1));
        }
    }
    return words;
}

bool names_any(std::string_view names, const OptionWords& words)
{
    std::size_t start = 0;
    while ((start = names.find_first_not_of(' ', start)) != std::string_view::npos) {
        std::size_t end = std::min(names.find(' ', start), names.size());
        std::string_view name = names.substr(start, end - start);
        start = end;
        if (name.starts_with("--")) {
            if (std::find(words.long_names.begin(), words.long_names.end(), name) != words.long_names.end()) {
                return true;
            }
        } else if (name.size() == 2 && words.short_letters.find(name[1]) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace fanout
