#include "waitable.hpp"

#include <doctest/doctest.h>

#include <vector>

using fanout::Waitable;
using fanout::WatchList;

namespace {

// Watches `count` made-up descriptors from `first` on, and keeps what it hears back.
class Recorder : public Waitable {
public:
    Recorder(int first, int count) : m_first(first), m_count(count) {}
    void add_watches(std::vector<pollfd>& fds) const override
    {
        for (int i = 0; i < m_count; ++i) {
            fds.push_back({m_first + i, POLLIN, 0});
        }
    }
    void on_polled(std::span<const pollfd> polled) override { heard.assign(polled.begin(), polled.end()); }

    std::vector<pollfd> heard;

private:
    int m_first;
    int m_count;
};

} // namespace

TEST_CASE("WatchList: each waitable hears back about its own descriptors, whatever is polled with them")
{
    Recorder two(10, 2);
    Recorder none(20, 0);
    Recorder one(30, 1);
    Waitable* waitables[] = {&two, &none, &one};
    std::vector<pollfd> fds = {{3, POLLIN, 0}}; // the poller's own, first
    WatchList watches(waitables, fds);
    fds.push_back({4, POLLIN, 0}); // and after
    REQUIRE(fds.size() == 5);
    for (pollfd& fd : fds) {
        fd.revents = static_cast<short>(fd.fd);
    }
    watches.hand_back(fds);
    REQUIRE(two.heard.size() == 2);
    CHECK(two.heard[0].fd == 10);
    CHECK(two.heard[1].revents == 11);
    CHECK(none.heard.empty());
    REQUIRE(one.heard.size() == 1);
    CHECK(one.heard[0].fd == 30);
    CHECK(one.heard[0].revents == 30);
}
