// A log line a protocol state machine asks its driver to write: the state machines do no I/O,
// logging included.
#pragma once

#include <exception>
#include <functional>
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

// The completion for a detached coroutine: logs what it threw ("Slack <what>: …"), since each
// runs on its own and one failing must not take the others down.
std::function<void(std::exception_ptr)> log_failure(std::string platform, std::string what);

}  // namespace scribe::adapters
