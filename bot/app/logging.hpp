// Log lines: human-readable on a terminal, or one JSON object per line (log.format = "json")
// for Loki, Elasticsearch and the like, with where the work came from as fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace scribe::app {

// Makes the default logger write to stderr in `format` ("text" or "json") at `level`.
void configure_logging(const std::string& level, const std::string& format);
void set_log_level(const std::string& level);

// The platform, channel and incident of the work being done on this thread, added to each
// line logged while the scope lives. Only for code that does not suspend: coroutines
// interleave on one thread, and a scope would leak into the others' lines.
class log_scope {
  public:
    log_scope(std::string_view platform, std::string_view channel, std::int64_t incident = 0);
    ~log_scope();
    log_scope(const log_scope&) = delete;
    log_scope& operator=(const log_scope&) = delete;

    // The innermost scope of this thread, or nullptr.
    static const log_scope* current();
    const std::string& platform() const { return platform_; }
    const std::string& channel() const { return channel_; }
    std::int64_t incident() const { return incident_; }

  private:
    std::string platform_;
    std::string channel_;
    std::int64_t incident_;
    const log_scope* outer_;
};

}  // namespace scribe::app
