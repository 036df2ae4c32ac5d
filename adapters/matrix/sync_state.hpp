// The /sync position and what to do with each batch, without I/O: deliver, join, backfill.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "adapters/bounded_map.hpp"
#include "adapters/log_entry.hpp"
#include "adapters/matrix/events.hpp"
#include "adapters/matrix/invites.hpp"
#include "adapters/matrix/sync.hpp"

namespace scribe::adapters::matrix {

using adapters::log_entry;
using adapters::log_level;

// Actions, to be performed in the order given.

// Hand the event to the bot (events.hpp converts it).
struct deliver {
    room_event event;
};
// An allowed inviter asked us in: POST /join/{room}.
struct join_room {
    std::string room_id;
    std::string inviter;
};
// Anyone else: POST /rooms/{room}/leave, which rejects the invite.
struct decline_invite {
    std::string room_id;
    std::string inviter;
};
// The room's timeline has a gap: fill it with a gap_filler (backfill.hpp), hand what it collects to
// sync_state::on_gap_filled(), perform those actions, then go on with the ones after this,
// which are the room's newer events; that keeps the room's events in order.
struct fetch_gap {
    std::string room_id;
    std::string from;  // the timeline's prev_batch
    std::string to;    // the previous sync's next_batch, where the bot's knowledge ends
};
// We left the room, or were kicked or banned from it.
struct left_room {
    std::string room_id;
};
// Everything before this is durably handled: store next_batch (in the same transaction as the
// events it delivered), then call on_committed(). Always the last action of a batch.
struct commit {
    std::string next_batch;
};

using sync_action =
    std::variant<deliver, join_room, decline_invite, fetch_gap, left_room, log_entry, commit>;

struct sync_config {
    std::string our_user_id;  // from whoami or login; our own events are not delivered
    invite_policy invites;
    // Event ids remembered for deduplication, oldest forgotten first.
    std::size_t dedupe_capacity = 10'000;
};

// One per Matrix adapter. Decisions where the spec leaves room:
//   - The initial sync (no stored position) delivers no timeline events and fetches no gaps:
//     that is history from before the bot was there, and acting on it would replay old
//     commands. Its invites are acted on, since an invite is current state, not history: an
//     invite sent while the bot was down is still waiting for an answer.
//   - Events are deduplicated by event id (the spec's "SHOULD"), across a gap and the timeline
//     after it and across batches. An id counts as seen only once its batch is committed, so a
//     batch that is fetched again after a failure is delivered again in full; the bot's own
//     idempotency key (source_key) makes that harmless.
//   - Own events (is_own), ignored events are dropped; unreadable ones are logged and dropped.
//   - Leaves seen in the initial sync are old news and are not reported.
//   - A room the bot has just joined arrives with its recent history, its own join among it
//     (in the timeline, or in a gap before it): only the events after that join are delivered,
//     since commands typed before the bot was there were not addressed to it. Its own join
//     event is delivered neither.
class sync_state {
  public:
    explicit sync_state(sync_config config);

    // Continues from a next_batch stored by an earlier run; without it the next sync is the
    // initial one.
    void resume(std::string since);
    // The `since` of the next /sync: the last committed next_batch, empty before the first.
    const std::string& since() const { return since_; }
    bool initial() const { return since_.empty(); }

    // One /sync answer. The actions end with a commit.
    std::vector<sync_action> on_sync(const sync_response& batch);
    // The events a gap_filler collected for a fetch_gap of the current batch, oldest first.
    std::vector<sync_action> on_gap_filled(std::vector<room_event> oldest_first);
    // The current batch's commit is durable: its next_batch becomes the position.
    void on_committed();

  private:
    void consider(room_event event, std::vector<sync_action>& out);
    bool is_our_join(const room_event& event) const;
    bool seen(const std::string& event_id) const;

    sync_config config_;
    std::string since_;
    std::string pending_batch_;             // next_batch of the batch being handled
    std::vector<std::string> pending_ids_;  // delivered in it, in order
    std::unordered_set<std::string> pending_set_;
    bounded_map<std::string, bool> seen_;  // committed, at most dedupe_capacity
};

}  // namespace scribe::adapters::matrix
