// A log line a protocol state machine asks its driver to write: the state machines do no I/O,
// logging included.
#pragma once

#include <string>
#include <string_view>

namespace scribe::adapters {

enum class log_level { debug, info, warn, error };

struct log_entry {
    log_level level = log_level::info;
    std::string text;
};

// Writes the entry with the platform's name in front ("Slack: …").
void write_log(std::string_view platform, const log_entry& entry);

}  // namespace scribe::adapters
