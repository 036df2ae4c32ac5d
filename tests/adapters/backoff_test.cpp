// Reconnect delays: exponential ceilings, capped, jittered, deterministic for a given seed.
#include "adapters/backoff.hpp"

#include <doctest/doctest.h>

using scribe::adapters::backoff_policy;
using namespace std::chrono_literals;

TEST_CASE("ceilings double from the base up to the cap") {
    const backoff_policy p{0ms, 1s, 60s};
    CHECK(p.ceiling(0) == 1s);
    CHECK(p.ceiling(1) == 2s);
    CHECK(p.ceiling(5) == 32s);
    CHECK(p.ceiling(6) == 60s);
    CHECK(p.ceiling(1000) == 60s);  // no overflow
    CHECK(p.ceiling(std::numeric_limits<unsigned>::max()) == 60s);
}

TEST_CASE("delays are full jitter between the floor and the ceiling") {
    const backoff_policy p{0ms, 1s, 60s};
    std::mt19937_64 random(1);
    bool below_half = false;
    bool above_half = false;
    for (unsigned attempt = 0; attempt < 10; ++attempt) {
        for (int i = 0; i < 200; ++i) {
            const auto d = p.delay(attempt, random);
            CHECK(d >= 0ms);
            CHECK(d <= p.ceiling(attempt));
            (d < p.ceiling(attempt) / 2 ? below_half : above_half) = true;
        }
    }
    CHECK(below_half);
    CHECK(above_half);

    const backoff_policy hard{1min, 1min, 15min};
    for (unsigned attempt = 0; attempt < 20; ++attempt) {
        const auto d = hard.delay(attempt, random);
        CHECK(d >= 1min);
        CHECK(d <= 15min);
    }
    CHECK(hard.delay(0, random) == 1min);
}

TEST_CASE("the same seed gives the same delays, another seed others") {
    const backoff_policy p;
    std::mt19937_64 a(99);
    std::mt19937_64 b(99);
    std::mt19937_64 c(100);
    int differ = 0;
    for (unsigned attempt = 0; attempt < 8; ++attempt) {
        const auto from_a = p.delay(attempt, a);
        CHECK(from_a == p.delay(attempt, b));
        differ += from_a != p.delay(attempt, c) ? 1 : 0;
    }
    CHECK(differ > 0);
}

TEST_CASE("odd policies still give sane delays") {
    std::mt19937_64 random(3);
    CHECK(backoff_policy{0ms, 0ms, 0ms}.delay(5, random) == 0ms);
    CHECK(backoff_policy{5s, 1s, 2s}.delay(0, random) == 5s);  // floor above cap wins
    CHECK(backoff_policy{0ms, -1s, 10s}.delay(3, random) == 0ms);
    CHECK(backoff_policy{0ms, 0ms, 10s}.ceiling(std::numeric_limits<unsigned>::max()) == 0ms);
    const auto forever = std::chrono::milliseconds::max();
    CHECK(backoff_policy{0ms, 1s, forever}.ceiling(200) == forever);
}
