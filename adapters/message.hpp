// What every adapter carries: messages in from a chat platform, replies out to it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/model/event.hpp"

namespace scribe::adapters {

// A message someone wrote, as the platform delivered it (markup already decoded).
struct inbound_message {
    model::person author;
    model::source_key source;  // platform, channel, the platform's message id
    std::string text;
    model::timestamp sent_at{};
    std::string thread;  // the platform's thread it was written in, if any
    // The platform mentions in the text ("<@U123>", "@alice:example.org"), resolved by the
    // adapter to people with their display names.
    std::map<std::string, model::person, std::less<>> mentions;
};

// A document posted along with a reply (the postmortem draft, the agenda).
struct attachment {
    std::string filename;
    std::string media_type;  // "text/markdown"
    std::string content;
};

struct outbound_reply {
    std::string platform;
    std::string channel;
    std::string in_reply_to;  // the message id the reply answers, if any
    std::string thread;       // the platform's thread to answer in, if any
    std::string text;
    std::vector<attachment> files;
    bool recorded = false;  // the message it answers became a timeline entry: mark it so
    // For a message that answers none (a reminder): what makes it unique, so that a platform
    // which deduplicates retried sends can tell a retry from a new message.
    std::string key;
    // Set when the reply confirms a new incident (its number and title), so an adapter can
    // open a room for it.
    std::int64_t declared_incident = 0;
    std::string declared_title;
    // The message it answers was edited: this text replaces the bot's earlier reply to it
    // (Slack chat.update, a Matrix m.replace); without an earlier reply it is not posted.
    bool replaces_earlier = false;
    // The platform's id of the message or reaction that made the bot answer, for an answer the
    // store owes: a reply sent again carries it, so that the platform's dedupe (Matrix txn
    // ids) and the bot's own marks (Slack metadata) know it for the reply sent the first time.
    std::string cause;
    // Sent again after a restart or a takeover, since the store still owes it: where the
    // platform cannot tell a retry from a new message (Slack), the adapter looks for it in
    // the channel first and posts it only if it is not there.
    bool resend = false;
    // Told on the adapter's loop once the reply was delivered (true), or given up (false).
    std::function<void(bool delivered)> settled;
};

// A message someone marked for the timeline (Slack :pushpin: reaction, Matrix 📌 annotation).
struct pin_request {
    inbound_message pinned;  // the marked message, with its own author and time
    model::person pinned_by;
    std::string permalink;
    std::string event_id;  // the reaction's own id: a redelivered reaction is recorded once
};

// An edit or deletion of a message the platform reports.
struct message_change {
    model::source_key message;  // the message that changed
    model::person by;
    std::string new_text;  // empty when deleted
    bool deleted = false;
    std::string change_id;  // the platform's id for this change (edit ts, redaction id)
    model::timestamp at{};
};

// A room the adapter opened for an incident (Slack's incident channels), to join it.
struct room_link {
    model::source_key room;  // platform and channel; message_id keys the link, so it is made once
    model::person by;        // whom the room was opened for
    std::int64_t incident = 0;
    model::timestamp at{};
};

}  // namespace scribe::adapters
