// Plain-text helpers every layer above the model shares: std only, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace scribe::model {

enum class quotes { keep, escape };

// &, < and > as entities, so the text shows literally in HTML or Slack markup; with
// quotes::escape, " and ' too, for HTML attribute values.
std::string escape_entities(std::string_view text, quotes q = quotes::escape);

// The text without control characters (C0 but line feed and tab, DEL, and C1), which would
// drive a terminal (ESC, BEL) or break a file (NUL) when shown again.
std::string without_control_characters(std::string_view text);

}  // namespace scribe::model
