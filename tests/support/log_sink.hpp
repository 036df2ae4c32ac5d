// Captures what is logged during a test, so a test can assert the lines an operator would read.
#pragma once

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace scribe::testing {

// While it lives, the default logger writes into a ring buffer (and nowhere else).
class log_sink {
public:
    explicit log_sink(spdlog::level::level_enum level = spdlog::level::debug)
        : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)),
          previous_(spdlog::default_logger()) {
        auto logger = std::make_shared<spdlog::logger>("test", sink_);
        logger->set_level(level);
        logger->set_pattern("%l %v");
        spdlog::set_default_logger(std::move(logger));
    }
    ~log_sink() { spdlog::set_default_logger(previous_); }
    log_sink(const log_sink&) = delete;
    log_sink& operator=(const log_sink&) = delete;

    // "warning Slack: …", oldest first.
    std::vector<std::string> lines() const { return sink_->last_formatted(); }

    std::size_t count_containing(const std::string& text) const {
        const auto all = lines();
        return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const auto& l) {
            return l.find(text) != std::string::npos;
        }));
    }

private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace scribe::testing
