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

}  // namespace scribe::adapters
