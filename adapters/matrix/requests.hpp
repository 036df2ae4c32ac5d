// The HTTP requests the Matrix adapter makes, as values, and the bodies of their answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scribe::adapters::matrix {

enum class http_method { get, post, put };

// What to send: the driver adds the host, `Authorization: Bearer …` and Content-Length.
struct request {
    http_method method = http_method::get;
    std::string path;          // percent-encoded: "/_matrix/client/v3/rooms/%21r%3Ahs/leave"
    std::string query;         // percent-encoded, without '?'; may be empty
    std::string body;          // JSON, except for media upload
    std::string content_type;  // of the body; empty for a GET

    // path?query, the HTTP request target.
    std::string target() const;
};

std::string_view to_string(http_method method);

// ---- Requests (protocols.md §3.2 - §3.5) ----------------------------------------------------

request versions();
// `device_id` (optional) asks for that device again: the server then replaces its token and
// keeps its transactions, so txn ids stay deduplicated across restarts (txn.hpp).
request login_password(std::string_view user, std::string_view password,
                       std::string_view device_display_name, std::string_view device_id = {});
request whoami();

// The event types the adapter parses (events.hpp); everything else is left on the server.
inline constexpr std::string_view event_types[] = {"m.room.message",   "m.reaction",
                                                   "m.room.redaction", "m.room.member",
                                                   "m.room.encrypted", "m.room.encryption"};

// The sync filter: timelines limited to event_types and `timeline_limit` events per room (a
// larger gap comes as `limited` and is backfilled), members lazy-loaded, no presence, no
// account data, no ephemeral events.
std::string sync_filter(int timeline_limit = 50);
request upload_filter(std::string_view user_id, int timeline_limit = 50);

// `filter` is a filter id or inline JSON (the server tells them apart by a leading '{');
// `since` is empty for the initial sync. The driver's read timeout must exceed `timeout`.
request sync(std::string_view since, std::string_view filter,
             std::chrono::milliseconds timeout = std::chrono::milliseconds{30'000});

// `via`: servers to join through, needed when the alias or room id is not on our server.
request join(std::string_view room_id_or_alias, const std::vector<std::string>& via = {});
// Also how an invite is declined.
request leave(std::string_view room_id);
request send(std::string_view room_id, std::string_view event_type, std::string_view txn_id,
             std::string_view content_json);
request redact(std::string_view room_id, std::string_view event_id, std::string_view txn_id,
               std::string_view reason = {});
request upload(std::string_view filename, std::string_view content_type, std::string content);
// A user's global display name ({"displayname": …}).
request display_name(std::string_view user_id);
// One event, e.g. the message a pin reaction points at.
request get_event(std::string_view room_id, std::string_view event_id);
// Older events, newest first (dir=b), from a prev_batch or end token back to `to` (optional).
request messages(std::string_view room_id, std::string_view from, std::string_view to, int limit);

// ---- End-to-end encryption (bodies from e2e::machine) --------------------------------------

request keys_upload(std::string_view body_json);
request keys_query(std::string_view body_json);
request keys_claim(std::string_view body_json);
request send_to_device(std::string_view event_type, std::string_view txn_id,
                       std::string_view body_json);
// GET /rooms/{roomId}/state/{eventType}/ : a room's state event with the empty state key.
request room_state(std::string_view room_id, std::string_view event_type);
// GET /rooms/{roomId}/members without those who left: who is in the room or invited to it.
request room_members(std::string_view room_id);

// A private room for an incident: invite only, `invite` invited, history shared from the
// invitation on, Megolm-encrypted from the start when `encrypted`.
request create_room(std::string_view name, std::string_view topic,
                    const std::vector<std::string>& invite, bool encrypted);

// ---- Answers (errors are errors.hpp's) --------------------------------------------------------

struct login_response {
    std::string user_id;
    std::string access_token;
    std::string device_id;
};
// From /login (all three) or /account/whoami (no access_token). nullopt without a user_id.
std::optional<login_response> parse_login(std::string_view body);

// A string field of a small JSON object answer: "filter_id" of /filter, "event_id" of /send and
// /redact, "room_id" of /join, "content_uri" of /upload. nullopt when absent or not a string.
std::optional<std::string> response_field(std::string_view body, std::string_view key);

// The user ids of /members's chunk whose membership is join or invite, in id order: those a
// room key is shared with, since an invited member reads from the invitation on.
std::vector<std::string> parse_room_members(std::string_view body);

// The spec versions a server offers ("v1.11", "r0.6.1"), from /versions.
std::vector<std::string> parse_versions(std::string_view body);

// ---- Message content --------------------------------------------------------------------------

// The content of an m.notice answering `in_reply_to` (empty: not a reply): `text` as body, and
// HTML-escaped, newlines as <br>, as formatted_body. A reply in a thread stays in it (m.thread
// with m.in_reply_to, not falling back). m.mentions is empty: replies quote what people typed,
// and must not ping anyone, least of all @room.
std::string notice_content(std::string_view text, std::string_view in_reply_to,
                           std::string_view thread_root = {});

// The content of an edit (m.replace) of the bot's notice `target`, so that it reads `text`:
// the fallback body starts with "* " for clients without edits, m.new_content is the notice.
std::string replacement_content(std::string_view target, std::string_view text);

// The content of an m.file for an uploaded file, as a reply like notice_content's. In an
// encrypted room the upload is ciphertext and `encrypted_file_json` (an EncryptedFile) takes
// the place of the URL.
std::string file_content(std::string_view content_uri, std::string_view filename,
                         std::string_view media_type, std::uint64_t size,
                         std::string_view in_reply_to, std::string_view thread_root = {},
                         std::string_view encrypted_file_json = {});

// The content of an m.reaction putting `key` on `target` (an m.annotation).
std::string annotation_content(std::string_view target, std::string_view key);

}  // namespace scribe::adapters::matrix
