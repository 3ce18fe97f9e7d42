// Named columns (--header): {name} and its forms {name.} {name/} {name//} {name/.} in a
// template become the positional {N} forms, as GNU parallel rewrites them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fanout {

// `text` with each {name...} of a column in `names` ({1} is names[0]) made {N...}. Names
// are matched as they are, in one pass, the longest first: a name holding regex or brace
// characters means itself, and what one rewrite makes is not rewritten again. An empty
// name names nothing, so {} keeps its meaning; {name} of no column stays as it is. A
// {= perl =} expression is left as it is (GNU parallel rewrites inside it too).
std::string name_columns(std::string_view text, const std::vector<std::string>& names);

} // namespace fanout
