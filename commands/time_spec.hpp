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

// How far back a typed time may reach, and how far past now a clock that runs ahead may put it.
inline constexpr auto max_backdate = std::chrono::hours(24 * 30);
inline constexpr auto max_clock_skew = std::chrono::minutes(1);

// A typed time resolved to an instant, with a note for the reply when the reading needs saying
// (a local time the clocks showed twice, when a change of offset turned them back).
struct resolved_time {
    model::timestamp at{};
    std::string note;
};

// The instant a time token names, relative to `now` in `zone`; or why it names none. A clock
// time later than now means yesterday. Times more than max_backdate ago or more than
// max_clock_skew ahead are refused, as are local times the clocks skipped.
std::variant<resolved_time, std::string> resolve_time(std::string_view token, model::timestamp now,
                                                      const model::zone& zone);

// "30m", "1h30m", "90s", "2h": a positive span, or nullopt.
std::optional<model::duration> parse_span(std::string_view text);

}  // namespace scribe::commands
