#include "waitable.hpp"

namespace fanout {

WatchList::WatchList(std::span<Waitable* const> waitables, std::vector<pollfd>& fds)
    : m_waitables(waitables), m_first(fds.size())
{
    m_ends.reserve(waitables.size());
    for (const Waitable* waitable : waitables) {
        waitable->add_watches(fds);
        m_ends.push_back(fds.size());
    }
}

void WatchList::hand_back(std::span<const pollfd> fds) const
{
    std::size_t begin = m_first;
    for (std::size_t i = 0; i < m_waitables.size(); ++i) {
        m_waitables[i]->on_polled(fds.subspan(begin, m_ends[i] - begin));
        begin = m_ends[i];
    }
}

} // namespace fanout
