// Capped exponential backoff with full jitter.
#include "adapters/backoff.hpp"

#include <algorithm>
#include <cstdint>

namespace scribe::adapters {

std::chrono::milliseconds backoff_policy::ceiling(unsigned attempt) const {
    // Doubling until the cap, rather than shifting, so a large attempt count cannot overflow;
    // the loop ends as soon as the cap is reached.
    auto limit = std::max(base, std::chrono::milliseconds{0});
    for (unsigned i = 0; i < attempt && limit.count() > 0 && limit < cap; ++i) {
        limit = limit > cap / 2 ? cap : limit * 2;
    }
    return std::max(std::min(limit, cap), floor);
}

std::chrono::milliseconds backoff_policy::delay(unsigned attempt, std::mt19937_64& random) const {
    const auto low = std::max(floor, std::chrono::milliseconds{0});
    const auto high = ceiling(attempt);
    if (high <= low) return low;
    // Plain modulo rather than std::uniform_int_distribution, whose output differs between
    // standard libraries; the bias over a span of milliseconds is negligible.
    const auto span = static_cast<std::uint64_t>((high - low).count()) + 1;
    return low + std::chrono::milliseconds{static_cast<std::int64_t>(random() % span)};
}

}  // namespace scribe::adapters
