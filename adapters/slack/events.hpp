// Events API and slash-command payloads as typed values, plus who sent them and their keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "adapters/message.hpp"
#include "adapters/slack/socket_mode.hpp"
#include "bot/model/event.hpp"
#include "bot/model/time.hpp"

namespace scribe::adapters::slack {

inline constexpr std::string_view platform = "slack";

// What a message and a mention of the bot share (protocols.md §2.4). Text is raw Slack markup;
// markup.hpp decodes it.
struct message_fields {
    std::string channel;
    std::string ts;         // with channel, the message's identity
    std::string thread_ts;  // the thread's parent, or empty
    std::string user;
    std::string text;
    std::string bot_id;        // set when a bot posted it
    std::string subtype;       // empty, or thread_broadcast, file_share, me_message
    std::string channel_type;  // channel, group, im, mpim, app_home
    std::string event_id;      // the wrapper's, stable across redeliveries
    std::string event_ts;
};

struct message_posted : message_fields {};

// Also arrives as message_posted when the bot is in the channel; both have the same key.
struct app_mention : message_fields {};

struct message_changed {
    std::string channel;
    std::string ts;  // the edited message
    std::string thread_ts;
    std::string text;  // the new text
    std::string user;
    std::string bot_id;
    std::string edit_ts;  // the edit itself
    std::string event_id;
};

struct message_deleted {
    std::string channel;
    std::string deleted_ts;
    std::string user;  // of the deleted message, from previous_message
    std::string bot_id;
    std::string event_ts;
    std::string event_id;
};

struct reaction {
    bool added = true;      // reaction_added, or reaction_removed
    std::string user;       // who reacted
    std::string name;       // "pushpin", without colons
    std::string channel;    // of the message reacted to
    std::string ts;         // of the message reacted to
    std::string item_user;  // its author; empty for webhook posts
    std::string event_ts;
    std::string event_id;
};

struct member_joined {
    std::string channel;
    std::string user;
    std::string inviter;
    std::string event_ts;
    std::string event_id;
};

// Every value is a string: the payload mirrors the form-encoded HTTP request.
struct slash_command {
    std::string channel_id;
    std::string user_id;
    std::string user_name;
    std::string command;  // "/incident"
    std::string text;     // raw markup after the command
    std::string response_url;
    std::string trigger_id;
    std::string team_id;
};

// Understood, and of no interest to the bot: other subtypes, event types, items.
struct ignored {
    std::string why;
};

// Not the shape Slack documents: logged, and committed so Slack stops redelivering it.
struct unreadable {
    std::string reason;
};

using inbound_event = std::variant<message_posted, app_mention, message_changed, message_deleted,
                                   reaction, member_joined, slash_command, ignored, unreadable>;

// The payload of an events_api envelope (the event_callback wrapper). Never throws.
inbound_event parse_events_api(std::string_view payload_json);
// The payload of a slash_commands envelope. Never throws.
inbound_event parse_slash_command(std::string_view payload_json);
// Dispatches on the envelope's type; interactive and unknown envelopes are ignored.
inbound_event parse_payload(const envelope& e);

// True for what our own bot did (protocols.md §2.4 "Ignoring our own events", after bolt's
// ignoreSelf): a message, edit or deletion by our bot user or carrying our bot id, or our own
// reaction. Joins are never "own", so the bot can notice being added to a channel. Empty ids
// match nothing.
bool is_own(const inbound_event& event, std::string_view bot_user_id, std::string_view bot_id);

// A message's identity: (channel, ts).
model::source_key message_key(std::string_view channel, std::string_view ts);

// The idempotency key under which the bot records what the event carries: a message (posted
// or mentioned, both the same key) is message_key(channel, ts); an edit, deletion or reaction
// is keyed under its message with its own suffix ("<ts>/edit/<edit ts>", "<ts>/delete",
// "<ts>/reaction/<event ts>"); a slash command by its trigger id. nullopt for joins, ignored
// and unreadable events, which record nothing.
std::optional<model::source_key> event_key(const inbound_event& event);

// The message an event is about: itself, the one edited, deleted or reacted to.
std::optional<model::source_key> subject_key(const inbound_event& event);

// "1610241741.000200" -> that instant, to the millisecond; nullopt for anything else.
std::optional<model::timestamp> parse_ts(std::string_view ts);

// A posted message or mention as the router takes it: text decoded (markup.hpp), author by user
// id (the name is the id until the adapter looks it up). nullopt for other events.
std::optional<inbound_message> to_inbound_message(const inbound_event& event);

}  // namespace scribe::adapters::slack
