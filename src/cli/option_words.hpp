// OptionWords: the option names a command line may use, found by a look at its words
// without parsing them, so that only the option groups it names need setting up.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout {

struct OptionWords {
    std::vector<std::string_view> long_names; // "--name" of each "--name[=value]" word
    std::string short_letters;                // every character after '-' of "-xyz" words
};

// Looks at every word before the first ":::", "::::" or "--". It cannot tell our
// options from the command's, nor values from names, so it may find too much, never
// too little.
OptionWords scan_option_words(int argc, const char* const* argv);

// Whether `names` (blank-separated "-x" and "--name" words) has a name `words` found.
bool names_any(std::string_view names, const OptionWords& words);

} // namespace fanout
