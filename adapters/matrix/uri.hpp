// Percent-encoding for request paths and queries, and matrix.to permalinks.
#pragma once

#include <string>
#include <string_view>

namespace scribe::adapters::matrix {

// Every byte but the RFC 3986 unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, so a room id, an
// event id or a txn id is one path segment: "!room:example.org" -> "%21room%3Aexample.org".
std::string percent_encode(std::string_view text);

// https://matrix.to/#/<room id>/<event id>, both percent-encoded.
std::string permalink(std::string_view room_id, std::string_view event_id);

}  // namespace scribe::adapters::matrix
