// Matrix events and answers in the shape of the spec's examples (protocols.md §3), for the tests.
#pragma once

#include <string_view>

namespace scribe::testing::matrix {

// spec m.room.message$m.text example, with the room_id of a /messages chunk or /event answer.
inline constexpr std::string_view text_message = R"json({
  "type": "m.room.message",
  "event_id": "$143273582443PhrSn:example.org",
  "room_id": "!636q39766251:example.com",
  "sender": "@example:example.org",
  "origin_server_ts": 1432735824653,
  "content": {
    "msgtype": "m.text",
    "body": "This is an example text message",
    "format": "org.matrix.custom.html",
    "formatted_body": "<b>This is an example text message</b>"
  },
  "unsigned": {"age": 1234}
})json";

// Rich reply with the pre-v1.13 fallback, mentioning the bot.
inline constexpr std::string_view reply_with_fallback = R"json({
  "type": "m.room.message",
  "event_id": "$reply1",
  "sender": "@alice:example.org",
  "origin_server_ts": 1700000000000,
  "content": {
    "msgtype": "m.text",
    "body": "> <@bob:example.org> the db is down\n> since 10:50\n\nThat sounds like a great idea!",
    "format": "org.matrix.custom.html",
    "formatted_body": "<mx-reply><blockquote>the db is down</blockquote></mx-reply>That sounds like a <i>great</i> idea!",
    "m.relates_to": {"m.in_reply_to": {"event_id": "$another_event"}},
    "m.mentions": {"user_ids": ["@scribe:example.org", "@bob:example.org"], "room": false}
  }
})json";

inline constexpr std::string_view thread_fallback_reply = R"json({
  "type": "m.room.message", "event_id": "$t2", "sender": "@alice:example.org",
  "origin_server_ts": 1700000000001,
  "content": {"msgtype": "m.text", "body": "I'm doing okay",
    "m.relates_to": {"rel_type": "m.thread", "event_id": "$alice_hello",
                     "m.in_reply_to": {"event_id": "$latest_in_thread"}, "is_falling_back": true}}
})json";

inline constexpr std::string_view edit = R"json({
  "type": "m.room.message", "event_id": "$edit1", "sender": "@alice:example.org",
  "origin_server_ts": 1700000000500,
  "content": {
    "msgtype": "m.text",
    "body": "* Hello! My name is bar",
    "m.new_content": {"msgtype": "m.text", "body": "Hello! My name is bar"},
    "m.relates_to": {"rel_type": "m.replace", "event_id": "$some_event_id"}
  }
})json";

inline constexpr std::string_view pin_reaction = R"json({
  "type": "m.reaction", "event_id": "$react1", "sender": "@carol:example.org",
  "origin_server_ts": 1700000001000,
  "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$some_event_id", "key": "📌"}}
})json";

// Room versions 1-10: `redacts` at the top level only.
inline constexpr std::string_view redaction_v10 = R"json({
  "type": "m.room.redaction", "sender": "@mod:example.org", "event_id": "$r10",
  "origin_server_ts": 1700000002000,
  "content": {"reason": "Spamming"}, "redacts": "$fukweghifu23:localhost"
})json";

// Room version 11: `redacts` in content.
inline constexpr std::string_view redaction_v11 = R"json({
  "type": "m.room.redaction", "sender": "@mod:example.org", "event_id": "$r11",
  "origin_server_ts": 1700000002000,
  "content": {"redacts": "$fukweghifu23:localhost", "reason": "Spamming"}
})json";

// A message re-served after its redaction.
inline constexpr std::string_view redacted_message = R"json({
  "type": "m.room.message", "event_id": "$gone", "sender": "@alice:example.org",
  "origin_server_ts": 1700000000000, "content": {},
  "unsigned": {"redacted_because": {"type": "m.room.redaction", "event_id": "$r11",
    "sender": "@mod:example.org", "content": {"redacts": "$gone"}}}
})json";

inline constexpr std::string_view member_join = R"json({
  "type": "m.room.member", "event_id": "$join1", "sender": "@scribe:example.org",
  "state_key": "@scribe:example.org", "origin_server_ts": 1700000000000,
  "content": {"membership": "join", "displayname": "Scribe"}
})json";

// The spec's /sync skeleton: one joined room with a limited timeline, one invite for @scribe.
inline constexpr std::string_view sync_limited = R"json({
  "next_batch": "s72595_4483_1934",
  "rooms": {
    "join": {
      "!726s6s6q:example.com": {
        "summary": {"m.heroes": ["@alice:example.com"], "m.joined_member_count": 2, "m.invited_member_count": 0},
        "state": {"events": []},
        "timeline": {
          "events": [
            {"type": "m.room.message", "event_id": "$e1", "sender": "@alice:example.com",
             "origin_server_ts": 1700000000000, "content": {"msgtype": "m.text", "body": "!tl db down"}},
            {"type": "m.room.message", "event_id": "$e2", "sender": "@scribe:example.org",
             "origin_server_ts": 1700000000100, "content": {"msgtype": "m.notice", "body": "Recorded #1"},
             "unsigned": {"transaction_id": "scribe-_24e1-0"}},
            {"type": "m.room.topic", "event_id": "$e3", "sender": "@alice:example.com", "state_key": "",
             "origin_server_ts": 1700000000200, "content": {"topic": "incident"}},
            {"type": "m.room.message", "sender": "@alice:example.com", "content": {"msgtype": "m.text", "body": "no id"}}
          ],
          "limited": true,
          "prev_batch": "t34-23535_0_0"
        },
        "ephemeral": {"events": [{"type": "m.typing", "content": {"user_ids": []}}]},
        "account_data": {"events": []},
        "unread_notifications": {"highlight_count": 1, "notification_count": 5},
        "unread_thread_notifications": {"$threadroot": {"highlight_count": 3, "notification_count": 6}}
      }
    },
    "invite": {
      "!696r7674:example.com": {"invite_state": {"events": [
        {"sender": "@alice:example.com", "type": "m.room.name", "state_key": "", "content": {"name": "My Room Name"}},
        {"sender": "@alice:example.com", "type": "m.room.member", "state_key": "@scribe:example.org", "content": {"membership": "invite"}}
      ]}},
      "!evil:spam.example": {"invite_state": {"events": [
        {"sender": "@spammer:spam.example", "type": "m.room.member", "state_key": "@scribe:example.org", "content": {"membership": "invite"}}
      ]}}
    },
    "knock": {},
    "leave": {"!old:example.com": {"timeline": {"events": []}}}
  },
  "presence": {"events": []}, "account_data": {"events": []},
  "to_device": {"events": []}, "device_lists": {"changed": [], "left": []}, "device_one_time_keys_count": {}
})json";

// GET /rooms/{roomId}/messages?dir=b: newest first.
inline constexpr std::string_view messages_page = R"json({
  "start": "t34-23535_0_0",
  "end": "t29-57_2_0",
  "chunk": [
    {"type": "m.room.message", "room_id": "!726s6s6q:example.com", "event_id": "$g2",
     "sender": "@bob:example.com", "origin_server_ts": 1699999999000,
     "content": {"msgtype": "m.text", "body": "second"}},
    {"type": "m.room.message", "room_id": "!726s6s6q:example.com", "event_id": "$g1",
     "sender": "@bob:example.com", "origin_server_ts": 1699999998000,
     "content": {"msgtype": "m.text", "body": "first"}}
  ]
})json";

}  // namespace scribe::testing::matrix
