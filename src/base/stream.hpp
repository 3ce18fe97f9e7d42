// Stream: which of a job's two output streams bytes came from or go to.
#pragma once

namespace fanout {

enum class Stream { out = 0, err = 1 };

} // namespace fanout
