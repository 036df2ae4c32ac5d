// Plain-text helpers every layer above the model shares: std only, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace scribe::model {

enum class quotes { keep, escape };

// &, < and > as entities, so the text shows literally in HTML or Slack markup; with
// quotes::escape, " and ' too, for HTML attribute values.
std::string escape_entities(std::string_view text, quotes q = quotes::escape);

}  // namespace scribe::model
