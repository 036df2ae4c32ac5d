// Protocol log entries to spdlog.
#include "adapters/log_entry.hpp"

#include <spdlog/spdlog.h>

namespace scribe::adapters {

void write_log(std::string_view platform, const log_entry& entry) {
    const auto level = entry.level == log_level::debug  ? spdlog::level::debug
                       : entry.level == log_level::info ? spdlog::level::info
                       : entry.level == log_level::warn ? spdlog::level::warn
                                                        : spdlog::level::err;
    spdlog::log(level, "{}: {}", platform, entry.text);
}

std::function<void(std::exception_ptr)> log_failure(std::string platform, std::string what) {
    return [platform = std::move(platform), what = std::move(what)](std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            spdlog::error("{} {}: {}", platform, what, e.what());
        }
    };
}

}  // namespace scribe::adapters
