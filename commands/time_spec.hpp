// The time forms users type: "-15m", "@14:05", "@2026-11-21T14:05Z", and spans like "30m".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bot/model/zone.hpp"

namespace scribe::commands {

// Whether a token is meant as a time (so "-15m" is never taken as text).
bool looks_like_time(std::string_view token);

// The instant a time token names, relative to `now` in `zone`; or why it names none. A clock
// time later than now means yesterday; any other time in the future is refused.
std::variant<model::timestamp, std::string> resolve_time(std::string_view token,
                                                          model::timestamp now,
                                                          const model::zone& zone);

// "30m", "1h30m", "90s", "2h": a positive span, or nullopt.
std::optional<model::duration> parse_span(std::string_view text);

}  // namespace scribe::commands
