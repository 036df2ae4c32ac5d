// libFuzzer target: bytes as a /sync answer (and as /messages, one event and an error body) go
// through the parsers, the sync cursor, the gap filler and the conversions to the bot's types.
// Nothing may crash or hang, and the cursor must keep its promises: a batch ends with its
// commit, and never delivers our own events, unreadable ones, or one event id twice.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "adapters/matrix/backfill.hpp"
#include "adapters/matrix/errors.hpp"
#include "adapters/matrix/events.hpp"
#include "bot/model/text.hpp"
#include "adapters/matrix/requests.hpp"
#include "adapters/matrix/sync.hpp"
#include "adapters/matrix/sync_state.hpp"
#include "adapters/matrix/txn.hpp"
#include "adapters/matrix/uri.hpp"

namespace {

using namespace scribe::adapters::matrix;

constexpr std::string_view us = "@scribe:example.org";

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool path_safe(std::string_view text) {
    return text.find_first_not_of(
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
               "0123456789-._~%") == std::string_view::npos;
}

void convert(const room_event& event, reaction_index& pins) {
    check(path_safe(percent_encode(event_id_of(event))));
    check(scribe::model::escape_entities(sender_of(event)).find('<') == std::string::npos);
    (void)txn_id(event_id_of(event), 1);
    if (const auto* m = std::get_if<text_message>(&event)) {
        const auto inbound = to_inbound_message(*m);
        check(inbound.source.message_id == m->event_id);
        if (const auto text = addressed_text(*m, us, "Scribe", "!")) {
            check(text->starts_with("!"));
        }
        (void)notice_content(m->body, m->event_id, m->thread_root);
    } else if (const auto* e = std::get_if<edit>(&event)) {
        check(!to_message_change(*e).deleted);
    } else if (const auto* r = std::get_if<reaction>(&event)) {
        if (is_pin(*r)) {
            pins.remember(*r);
            (void)to_pin_request(*r, text_message{r->room, r->target, "@a:hs", "x"});
        }
    } else if (const auto* d = std::get_if<redaction>(&event)) {
        if (const auto* pin = pins.find(d->redacts)) {
            (void)to_unpin_request(*d, *pin);
            pins.forget(d->redacts);
        } else {
            check(to_message_change(*d).deleted);
        }
    }
}

// Runs the cursor's actions as the adapter would, answering every gap with `gap_page`; returns
// how many events it delivered.
std::size_t drive(sync_state& state, const sync_response& batch, std::string_view gap_page,
                  reaction_index& pins) {
    const auto actions = state.on_sync(batch);
    check(!actions.empty() && std::holds_alternative<commit>(actions.back()));
    std::set<std::string> delivered;
    const auto take = [&](const sync_action& a) {
        const auto* d = std::get_if<deliver>(&a);
        if (!d) return;
        check(!std::holds_alternative<unreadable>(d->event));
        check(!std::holds_alternative<ignored>(d->event));
        check(!is_own(d->event, us));
        check(delivered.insert(std::string(event_id_of(d->event))).second);
        convert(d->event, pins);
    };
    for (const auto& a : actions) {
        take(a);
        if (const auto* gap = std::get_if<fetch_gap>(&a)) {
            gap_filler filler(*gap, 20, 10);
            check(path_safe(percent_encode(filler.next_request().query)));
            const auto page = parse_messages(gap_page, gap->room_id);
            // The same page again and again: the filler must stop on its own.
            for (int budget = 100; const auto* m = std::get_if<messages_response>(&page);
                 --budget) {
                check(budget > 0);
                if (!filler.on_page(*m)) break;
            }
            for (const auto& more : state.on_gap_filled(filler.take_events())) take(more);
        }
    }
    state.on_committed();
    check(state.since() == batch.next_batch);
    return delivered.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    reaction_index pins(8);
    for (const auto& event : {parse_event(input, "!r:hs"), parse_event(input, "")}) {
        convert(event, pins);
    }
    const auto error = parse_error(429, input);
    (void)to_string(classify(error));
    (void)rate_limit_wait(error, input, std::chrono::system_clock::time_point{});
    (void)parse_login(input);
    (void)parse_versions(input);
    (void)response_field(input, "event_id");

    const auto parsed = parse_sync(input, us);
    const auto* batch = std::get_if<sync_response>(&parsed);
    if (!batch) return 0;
    check(!batch->next_batch.empty());
    for (const auto& room : batch->joined) {
        for (const auto& event : room.timeline) convert(event, pins);
    }
    // Once as the initial sync, which delivers nothing, then twice as an incremental one: the
    // second time, everything is remembered and nothing is delivered again.
    constexpr std::size_t dedupe = 64;
    sync_state state(
        {std::string(us), invite_policy({"example.com", "@alice:example.org"}), dedupe});
    check(drive(state, *batch, input, pins) == 0);
    const std::size_t first = drive(state, *batch, input, pins);
    const std::size_t again = drive(state, *batch, input, pins);
    check(first > dedupe || again == 0);
    return 0;
}
