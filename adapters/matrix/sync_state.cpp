// The /sync position and what to do with each batch, without I/O: deliver, join, backfill.
#include "adapters/matrix/sync_state.hpp"

#include <algorithm>
#include <iterator>

namespace scribe::adapters::matrix {

sync_state::sync_state(sync_config config)
    : config_(std::move(config)), seen_(config_.dedupe_capacity) {}

void sync_state::resume(std::string since) { since_ = std::move(since); }

std::vector<sync_action> sync_state::on_sync(const sync_response& batch) {
    std::vector<sync_action> out;
    pending_batch_ = batch.next_batch;
    pending_ids_.clear();
    pending_set_.clear();
    for (const auto& i : batch.invites) {
        if (config_.invites.allows(i.inviter)) {
            out.push_back(join_room{i.room_id, i.inviter});
        } else {
            out.push_back(decline_invite{i.room_id, i.inviter});
        }
    }
    if (initial()) {
        out.push_back(
            log_entry{log_level::info, "initial sync: " + std::to_string(batch.joined.size()) +
                                           " joined rooms; their history is not acted on"});
    } else {
        for (const auto& room : batch.joined) {
            // A room the bot has just joined comes with its history; only what follows the
            // join is for the bot, and there is no gap to fill before it.
            const auto joined = std::find_if(room.timeline.rbegin(), room.timeline.rend(),
                                             [&](const room_event& e) { return is_our_join(e); });
            auto first = room.timeline.begin();
            if (joined != room.timeline.rend()) {
                first = joined.base();
                const auto history = std::distance(room.timeline.begin(), first) - 1;
                if (history > 0) {
                    out.push_back(log_entry{log_level::info,
                                            "joined " + room.room_id + ": " +
                                                std::to_string(history) +
                                                " earlier events are history and not acted on"});
                }
            } else if (room.limited && !room.prev_batch.empty()) {
                out.push_back(fetch_gap{room.room_id, room.prev_batch, since_});
            }
            for (auto it = first; it != room.timeline.end(); ++it) consider(*it, out);
        }
        for (const auto& room_id : batch.left) out.push_back(left_room{room_id});
    }
    out.push_back(commit{batch.next_batch});
    return out;
}

std::vector<sync_action> sync_state::on_gap_filled(std::vector<room_event> oldest_first) {
    std::vector<sync_action> out;
    // A gap that reaches back past the bot's join holds history: only what follows the join.
    const auto joined = std::find_if(oldest_first.rbegin(), oldest_first.rend(),
                                     [&](const room_event& e) { return is_our_join(e); });
    const auto first = joined == oldest_first.rend() ? oldest_first.begin() : joined.base();
    for (auto it = first; it != oldest_first.end(); ++it) consider(std::move(*it), out);
    return out;
}

bool sync_state::is_our_join(const room_event& event) const {
    const auto* m = std::get_if<member>(&event);
    return m && m->state == membership::join && m->user == config_.our_user_id &&
           !config_.our_user_id.empty();
}

void sync_state::on_committed() {
    for (auto& id : pending_ids_) seen_.insert(id, true);
    pending_ids_.clear();
    pending_set_.clear();
    if (!pending_batch_.empty()) since_ = std::move(pending_batch_);
    pending_batch_.clear();
}

void sync_state::consider(room_event event, std::vector<sync_action>& out) {
    if (const auto* u = std::get_if<unreadable>(&event)) {
        out.push_back(log_entry{log_level::warn, "unreadable event: " + u->reason});
        return;
    }
    if (std::holds_alternative<ignored>(event) || is_own(event, config_.our_user_id)) return;
    std::string id(event_id_of(event));
    if (seen(id)) return;
    pending_set_.insert(id);
    pending_ids_.push_back(std::move(id));
    out.push_back(deliver{std::move(event)});
}

bool sync_state::seen(const std::string& event_id) const {
    return seen_.contains(event_id) || pending_set_.contains(event_id);
}

}  // namespace scribe::adapters::matrix
