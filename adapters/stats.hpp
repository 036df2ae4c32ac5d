// What an adapter counts for the operator's metrics: deliveries, acknowledgements, latencies,
// reconnects and rate-limit waits. Kept on the adapter's own thread and read there.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace scribe::adapters {

// Latencies in fixed buckets (seconds), the shape Prometheus histograms take.
class latency_histogram {
  public:
    static constexpr std::array<double, 14> bounds{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,    0.25,  0.5,   1.0,   2.5,   5.0,  10.0};

    void observe(std::chrono::steady_clock::duration elapsed) {
        const double seconds = std::chrono::duration<double>(elapsed).count();
        std::size_t i = 0;
        while (i < bounds.size() && seconds > bounds[i]) ++i;
        ++counts_[i];
        sum_ += seconds;
        ++count_;
    }

    // Observations at or below bounds[i]; i == bounds.size() counts all of them.
    std::uint64_t cumulative(std::size_t i) const {
        std::uint64_t total = 0;
        for (std::size_t j = 0; j <= i && j < counts_.size(); ++j) total += counts_[j];
        return total;
    }
    double sum() const { return sum_; }
    std::uint64_t count() const { return count_; }

  private:
    std::array<std::uint64_t, bounds.size() + 1> counts_{};
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

struct adapter_stats {
    std::uint64_t received = 0;  // events taken in from the platform
    std::uint64_t acked = 0;     // of those, confirmed to the platform as durably handled
    std::uint64_t reconnects = 0;
    std::uint64_t rate_limit_waits = 0;
    latency_histogram ack_latency;  // from arrival to acknowledgement
};

}  // namespace scribe::adapters
