// How long a server asks a client to wait (HTTP Retry-After, Matrix retry_after_ms), read and
// bounded the same way for every platform.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace scribe::adapters {

// The longest wait a server may impose before one request is tried again. A longer one, or a
// date far ahead, is cut to this, so a misbehaving server (or a proxy's mistake) cannot park
// the bot for a day; if the server still refuses, the caller's retries run out and it says so.
inline constexpr std::chrono::milliseconds max_server_wait = std::chrono::minutes{5};

// A wait the server gave, made to fit between zero and max_server_wait.
std::chrono::milliseconds bounded_wait(std::chrono::milliseconds asked);

// A Retry-After header: delta-seconds ("2") or an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00
// GMT") counted from `now`, bounded as above (a date in the past is a wait of zero). nullopt
// for anything else.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view header, std::chrono::system_clock::time_point now);

}  // namespace scribe::adapters
