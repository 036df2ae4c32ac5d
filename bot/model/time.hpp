// Points in time as the model sees them: UTC, millisecond precision, passed in as values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scribe::model {

using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
using duration = std::chrono::milliseconds;

// "2026-11-21T14:05:00.000Z"
std::string format_utc(timestamp t);
void append_utc(std::string& out, timestamp t);  // the same, onto `out`

// Accepts the forms format_utc writes, with or without milliseconds or seconds, 'Z' or a
// numeric offset ("+01:00"); nullopt for anything else.
std::optional<timestamp> parse_utc(std::string_view text);

// "2026-11-21": a calendar day, as documents, replies and the store write it.
std::string format_date(std::chrono::year_month_day day);

// Exactly "YYYY-MM-DD", naming a day that exists; nullopt for anything else.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

// "1h 05m", "12m 30s", "45s": a human reading of a span, for replies and documents.
std::string format_span(duration d);

}  // namespace scribe::model
