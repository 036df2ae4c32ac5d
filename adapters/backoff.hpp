// How long to wait before reconnecting: capped exponential backoff with full jitter.
#pragma once

#include <chrono>
#include <random>

namespace scribe::adapters {

// Full jitter ("exponential backoff and jitter", AWS architecture blog): the n-th retry
// waits a uniformly random time in [floor, min(cap, base * 2^n)]. The randomness spreads
// the reconnects of many replicas that lost the service at the same moment; the floor keeps
// a hard backoff (Slack's link_disabled) from ever turning into a tight loop.
struct backoff_policy {
    std::chrono::milliseconds floor{0};
    std::chrono::milliseconds base{1'000};
    std::chrono::milliseconds cap{60'000};

    // The longest wait of retry number `attempt` (0 is the first retry).
    std::chrono::milliseconds ceiling(unsigned attempt) const;

    // A wait for retry number `attempt`. The engine is passed in, so a seeded engine gives the
    // same sequence every time (std::mt19937_64's output is fixed by the standard).
    std::chrono::milliseconds delay(unsigned attempt, std::mt19937_64& random) const;
};

}  // namespace scribe::adapters
