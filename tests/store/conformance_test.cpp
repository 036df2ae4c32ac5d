// What every backend does alike: round trips, id and sequence assignment, idempotency, the
// incidents and actions the store keeps beside the events, cursors, several writers.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "bot/model/incident.hpp"
#include "tests/store/store_places.hpp"

namespace scribe::store::test {
namespace {

namespace p = model::payload;

// One event of every payload kind, each field set to something other than its default.
std::vector<model::event> one_of_each_kind() {
    using namespace std::chrono;
    const model::person carol{"slack", "U3", "Carol"};
    std::vector<model::event_payload> payloads{
        p::declared{"Checkout is down", model::severity::sev1},
        p::title_set{"Checkout errors for EU customers"},
        p::severity_changed{model::severity::sev2},
        p::role_assigned{"ic", carol},
        p::status_changed{model::phase::identified},
        p::reopened{},
        p::started_marked{},
        p::detected{model::detection::customer},
        p::entry_added{model::entry_type::pinned, "rolled back \"v42\" \u2014 ok", carol,
                       "https://example.com/x", "https://chat.example.com/p/1"},
        p::entry_edited{9, "rolled back v42"},
        p::entry_retracted{7},
        p::sitrep_posted{"degraded", "EU checkout", "watch error rate", minutes{30}},
        p::impact_set{"12% of EU checkouts failed"},
        p::cause_noted{model::cause_origin::code_change, "null currency"},
        p::resolution_noted{model::resolution_type::rollback, "back to v41"},
        p::why_added{"no test for empty currency"},
        p::lesson_added{model::lesson_kind::slowed, "dashboards lag 5m"},
        p::action_added{carol, "add currency test", year{2026} / 12 / 1},
        p::action_updated{18, model::action_status::done},
        p::security_flagged{"card numbers in logs"},
        p::data_lost{"orders of 12 minutes"},
        p::room_linked{"matrix", "!abc:example.org"},
        p::room_unlinked{"matrix", "!abc:example.org"},
        p::reminders_set{false},
        p::reminder_sent{model::reminder_kind::sitrep, at(5)},
    };
    std::vector<model::event> events;
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        auto e = make_event(0, payloads[i], numbered("m", i), "C1", static_cast<int>(i % 3));
        e.occurred_at = at(static_cast<std::int64_t>(i));
        e.recorded_at = at(static_cast<std::int64_t>(i) + 1) + std::chrono::milliseconds{7};
        e.actor = i % 2 ? alice : bob;
        events.push_back(std::move(e));
    }
    return events;
}

}  // namespace

STORE_TEST_CASE("every payload kind survives the round trip through the store") {
    place_type place;
    auto expected = one_of_each_kind();
    std::set<std::size_t> kinds;
    for (const auto& e : expected) kinds.insert(e.data.index());
    REQUIRE(kinds.size() == std::variant_size_v<model::event_payload>);

    {
        auto store = place.open();
        const auto result = append_now(*store, expected);
        REQUIRE(result.ok());
        REQUIRE(result.outcomes.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            CHECK(result.outcomes[i].incident_id == 1);
            CHECK(result.outcomes[i].sequence == static_cast<std::int64_t>(i + 1));
            CHECK_FALSE(result.outcomes[i].duplicate);
            expected[i].incident_id = 1;
            expected[i].sequence = static_cast<std::int64_t>(i + 1);
        }
        CHECK(to_json(store->load_incident(1)) == to_json(expected));
    }
    auto reopened = place.open();
    CHECK(to_json(reopened->load_incident(1)) == to_json(expected));
    CHECK(reopened->load_incident(2).empty());
}

STORE_TEST_CASE("incident ids and sequence numbers are assigned in order") {
    place_type place;
    auto store = place.open();

    auto first = append_now(*store, {declare("A"), note(0, "a1")});
    REQUIRE(first.ok());
    CHECK(first.outcomes[0].incident_id == 1);
    CHECK(first.outcomes[0].sequence == 1);
    CHECK(first.outcomes[1].incident_id == 1);  // incident 0 after a declaration: that one
    CHECK(first.outcomes[1].sequence == 2);

    auto second = append_now(*store, {declare("B"), note(1, "a2"), note(0, "b1")});
    REQUIRE(second.ok());
    CHECK(second.outcomes[0].incident_id == 2);
    CHECK(second.outcomes[1].incident_id == 1);
    CHECK(second.outcomes[1].sequence == 3);
    CHECK(second.outcomes[2].incident_id == 2);
    CHECK(second.outcomes[2].sequence == 2);

    SUBCASE("an explicit sequence number is kept, and counting goes on from it") {
        auto explicit_seq = note(1, "a10");
        explicit_seq.sequence = 10;
        auto r = append_now(*store, {explicit_seq, note(1, "a11")});
        REQUIRE(r.ok());
        CHECK(r.outcomes[0].sequence == 10);
        CHECK(r.outcomes[1].sequence == 11);
    }
    SUBCASE("a sequence number already taken fails the batch") {
        auto taken = note(1, "again");
        taken.sequence = 2;
        auto r = append_now(*store, {taken});
        CHECK_FALSE(r.ok());
        CHECK(r.outcomes.empty());
        CHECK(contains(r.error, "already has event #2"));
    }
    SUBCASE("an unknown incident fails the batch, and nothing of it is stored") {
        auto r = append_now(*store, {declare("C"), note(0, "c1"), note(99, "lost")});
        CHECK_FALSE(r.ok());
        CHECK(contains(r.error, "incident 99, which does not exist"));
        CHECK(store->list_incidents(false).size() == 2);
        CHECK(store->load_incident(3).empty());
        // The id the failed batch took is free again.
        auto next = append_now(*store, {declare("C")});
        REQUIRE(next.ok());
        CHECK(next.outcomes[0].incident_id == 3);
    }
    SUBCASE("incident 0 with no declaration before it fails the batch") {
        auto r = append_now(*store, {note(0, "orphan")});
        CHECK(contains(r.error, "names no incident"));
    }
    SUBCASE("a bad batch fails alone among the batches committed with it") {
        std::vector<append_result> results(3);
        store->append({note(1, "good 1")}, [&](append_result r) { results[0] = std::move(r); });
        store->append({note(42, "bad")}, [&](append_result r) { results[1] = std::move(r); });
        store->append({note(1, "good 2")}, [&](append_result r) { results[2] = std::move(r); });
        store->flush();
        CHECK(results[0].ok());
        CHECK_FALSE(results[1].ok());
        CHECK(results[2].ok());
        CHECK(results[2].outcomes[0].sequence == results[0].outcomes[0].sequence + 1);
    }
    SUBCASE("numbering carries on after the file is reopened") {
        store.reset();
        store = place.open();
        auto r = append_now(*store, {note(1, "a4"), declare("C"), note(2, "b3")});
        REQUIRE(r.ok());
        CHECK(r.outcomes[0].sequence == 4);
        CHECK(r.outcomes[1].incident_id == 3);
        CHECK(r.outcomes[2].sequence == 3);
    }
    for (const auto id : {1, 2, 3}) {
        const auto events = store->load_incident(id);
        for (std::size_t i = 0; i + 1 < events.size(); ++i) {
            CHECK(events[i].sequence < events[i + 1].sequence);
        }
    }
}

STORE_TEST_CASE("a redelivered message is reported as a duplicate and stored once") {
    place_type place;
    auto store = place.open();
    REQUIRE(append_now(*store, {declare("A", "m1"), note(0, "first", "m2")}).ok());

    auto again = append_now(*store, {note(1, "first, redelivered", "m2")});
    REQUIRE(again.ok());
    CHECK(again.outcomes[0].duplicate);
    CHECK(again.outcomes[0].incident_id == 1);
    CHECK(again.outcomes[0].sequence == 2);
    CHECK(store->load_incident(1).size() == 2);

    // Within one batch, and with several parts of one message.
    auto twice = append_now(*store, {note(1, "x", "m3"), note(1, "x", "m3")});
    REQUIRE(twice.ok());
    CHECK_FALSE(twice.outcomes[0].duplicate);
    CHECK(twice.outcomes[1].duplicate);
    CHECK(twice.outcomes[1].sequence == twice.outcomes[0].sequence);
    auto part = note(1, "second part", "m3");
    part.source.part = 1;
    CHECK_FALSE(append_now(*store, {part}).outcomes.at(0).duplicate);

    // The same message id in another channel is another message.
    auto elsewhere = note(1, "elsewhere", "m3");
    elsewhere.source.channel = "C2";
    CHECK_FALSE(append_now(*store, {elsewhere}).outcomes.at(0).duplicate);

    // Events the bot makes itself have no key and are never deduplicated.
    auto bot = append_now(*store, {note(1, "reminder"), note(1, "reminder")});
    CHECK_FALSE(bot.outcomes.at(1).duplicate);

    // A redelivered declaration names its incident for the rest of its batch.
    auto declaration = append_now(*store, {declare("A", "m1"), note(0, "follow-up", "m4")});
    REQUIRE(declaration.ok());
    CHECK(declaration.outcomes[0].duplicate);
    CHECK(declaration.outcomes[0].incident_id == 1);
    CHECK(declaration.outcomes[0].sequence == 1);
    CHECK_FALSE(declaration.outcomes[1].duplicate);
    CHECK(declaration.outcomes[1].incident_id == 1);
    CHECK(store->list_incidents(false).size() == 1);

    const auto stored = store->load_incident(1).size();
    store.reset();
    store = place.open();
    auto after_restart = append_now(*store, {note(1, "first", "m2"), note(1, "x", "m4")});
    REQUIRE(after_restart.ok());
    CHECK(after_restart.outcomes[0].duplicate);
    CHECK(after_restart.outcomes[0].sequence == 2);
    CHECK(after_restart.outcomes[1].duplicate);
    CHECK(store->load_incident(1).size() == stored);
}

STORE_TEST_CASE("incidents are found by channel, and their phase follows status events") {
    place_type place;
    auto store = place.open();
    const model::source_key c1{"console", "C1", {}, 0};
    const model::source_key c2{"console", "C2", {}, 0};
    auto phase_of = [&](std::int64_t id) {
        for (const auto& s : store->list_incidents(false)) {
            if (s.id == id) {
                // The kept column agrees with what the log folds into.
                CHECK(s.current == model::fold(store->load_incident(id)).current);
                return s.current;
            }
        }
        FAIL("no incident " << id);
        return model::phase::closed;
    };

    CHECK_FALSE(store->open_incident_in(c1));
    CHECK_FALSE(store->latest_incident_in(c1));
    REQUIRE(append_now(*store, {declare("A")}).ok());
    CHECK(store->open_incident_in(c1) == 1);
    CHECK(store->latest_incident_in(c1) == 1);
    CHECK_FALSE(store->open_incident_in(c2));

    auto declared = store->list_incidents(false).at(0);
    CHECK(declared.title == "A");
    CHECK(declared.level == model::severity::sev2);
    CHECK(declared.channel == c1);
    CHECK(declared.declared_at == at(0));
    CHECK(declared.event_count == 1);
    CHECK(declared.current == model::phase::investigating);

    REQUIRE(append_now(*store, {make_event(1, p::title_set{"A, renamed"}),
                                make_event(1, p::severity_changed{model::severity::sev1}),
                                status(1, model::phase::mitigated)})
                .ok());
    auto changed = store->list_incidents(false).at(0);
    CHECK(changed.title == "A, renamed");
    CHECK(changed.level == model::severity::sev1);
    CHECK(changed.event_count == 4);
    CHECK(phase_of(1) == model::phase::mitigated);

    // Withdrawing a status change puts the phase back to the one before it.
    auto monitoring = append_now(*store, {status(1, model::phase::monitoring)});
    CHECK(phase_of(1) == model::phase::monitoring);
    REQUIRE(
        append_now(*store, {make_event(1, p::entry_retracted{monitoring.outcomes.at(0).sequence})})
            .ok());
    CHECK(phase_of(1) == model::phase::mitigated);

    REQUIRE(append_now(*store, {status(1, model::phase::closed)}).ok());
    CHECK(phase_of(1) == model::phase::closed);
    CHECK_FALSE(store->open_incident_in(c1));
    CHECK(store->latest_incident_in(c1) == 1);
    CHECK(store->list_incidents(true).empty());

    REQUIRE(append_now(*store, {make_event(1, p::reopened{})}).ok());
    CHECK(phase_of(1) == model::phase::investigating);
    CHECK(store->open_incident_in(c1) == 1);
    CHECK(store->list_incidents(true).size() == 1);

    REQUIRE(append_now(*store, {status(1, model::phase::closed), declare("B")}).ok());
    CHECK(store->open_incident_in(c1) == 2);
    CHECK(store->latest_incident_in(c1) == 2);
    REQUIRE(append_now(*store, {declare("C", {}, "C2")}).ok());
    CHECK(store->open_incident_in(c2) == 3);

    std::vector<std::int64_t> all;
    for (const auto& s : store->list_incidents(false)) all.push_back(s.id);
    CHECK(all == std::vector<std::int64_t>{3, 2, 1});
    std::vector<std::int64_t> open;
    for (const auto& s : store->list_incidents(true)) open.push_back(s.id);
    CHECK(open == std::vector<std::int64_t>{3, 2});
}

STORE_TEST_CASE("open actions follow add, done, edit and retract") {
    using namespace std::chrono;
    place_type place;
    auto store = place.open();
    auto action = [](std::int64_t incident, std::string text, std::optional<year_month_day> due) {
        return make_event(incident, p::action_added{bob, std::move(text), due});
    };
    REQUIRE(append_now(*store, {declare("A"), action(0, "a: add test", year{2026} / 12 / 1),  // #2
                                action(0, "b: no date", std::nullopt),                        // #3
                                action(0, "c: soonest", year{2026} / 11 / 30),                // #4
                                declare("B"), action(0, "d: same day as a", year{2026} / 12 / 1)})
                .ok());
    auto listed = [&] {
        std::vector<std::string> out;
        for (const auto& a : store->list_actions(true)) {
            out.push_back(std::to_string(a.incident_id) + "#" + std::to_string(a.number) + " " +
                          a.text);
        }
        return out;
    };
    CHECK(listed() == std::vector<std::string>{"1#4 c: soonest", "1#2 a: add test",
                                               "2#2 d: same day as a", "1#3 b: no date"});
    const auto first = store->list_actions(true).at(0);
    CHECK(first.incident_title == "A");
    CHECK(first.owner == bob);
    CHECK(first.due == year_month_day{year{2026} / 11 / 30});
    CHECK_FALSE(store->list_actions(true).back().due);

    REQUIRE(append_now(*store, {make_event(1, p::action_updated{2, model::action_status::done}),
                                make_event(1, p::entry_edited{3, "b: edited"}),
                                make_event(1, p::entry_retracted{4})})
                .ok());
    CHECK(listed() == std::vector<std::string>{"2#2 d: same day as a", "1#3 b: edited"});

    // A retracted action stays withdrawn; a done one can be opened again.
    REQUIRE(append_now(*store, {make_event(1, p::action_updated{4, model::action_status::open}),
                                make_event(1, p::action_updated{2, model::action_status::open}),
                                status(1, model::phase::closed)})
                .ok());
    const std::vector<std::string> expected{"1#2 a: add test", "2#2 d: same day as a",
                                            "1#3 b: edited"};
    CHECK(listed() == expected);

    // The table agrees with the fold of the log.
    std::vector<std::int64_t> from_fold;
    for (const auto& a : model::fold(store->load_incident(1)).actions) {
        if (a.status == model::action_status::open && !a.retracted) from_fold.push_back(a.number);
    }
    CHECK(from_fold == std::vector<std::int64_t>{2, 3});

    store.reset();
    store = place.open();
    CHECK(listed() == expected);
}

STORE_TEST_CASE("each incident's facts follow its events as a fold of them gives them") {
    place_type place;
    auto store = place.open();
    const auto facts_agree = [&] {
        const auto records = store->list_incident_records();
        REQUIRE(records.size() == store->list_incidents(false).size());
        for (const auto& r : records) {
            INFO("incident " << r.summary.id);
            CHECK(r.facts == model::facts_of(model::fold(store->load_incident(r.summary.id))));
        }
    };
    const auto timed = [](model::event e, std::int64_t minute) {
        e.occurred_at = at(minute);
        e.recorded_at = e.occurred_at + std::chrono::seconds{5};
        return e;
    };
    REQUIRE(append_now(*store, {timed(declare("A"), 0),
                                timed(make_event(0, p::detected{model::detection::customer}), 3),
                                timed(make_event(0, p::action_added{bob, "add a test", {}}), 4)})
                .ok());
    REQUIRE(append_now(*store, {timed(declare("B"), 10)}).ok());
    facts_agree();
    REQUIRE(
        append_now(
            *store,
            {timed(make_event(1, p::status_changed{model::phase::mitigated}), 20),
             timed(make_event(1, p::status_changed{model::phase::resolved}), 30),
             timed(make_event(1, p::cause_noted{model::cause_origin::config, "ttl"}), 31),
             timed(make_event(1, p::resolution_noted{model::resolution_type::rollback, "v41"}), 32),
             timed(make_event(1, p::action_updated{3, model::action_status::done}), 33),
             timed(make_event(1, p::security_flagged{"tokens in logs"}), 34),
             timed(make_event(2, p::data_lost{"12 orders"}), 35)})
            .ok());
    facts_agree();
    // Withdrawing the resolution, the cause and the action moves every fact with them.
    REQUIRE(append_now(*store, {timed(make_event(1, p::entry_retracted{5}), 40),
                                timed(make_event(1, p::entry_retracted{6}), 41),
                                timed(make_event(1, p::entry_retracted{3}), 42)})
                .ok());
    facts_agree();
    const auto a = store->list_incident_records().back();
    CHECK(a.facts.time_to_mitigate == std::chrono::minutes{20});
    CHECK_FALSE(a.facts.time_to_resolve);
    CHECK_FALSE(a.facts.origin);
    CHECK(a.facts.security);
    CHECK(a.facts.actions_opened.empty());
    CHECK(store->list_incident_records().front().facts.data_lost);
    // A later process reads the same facts.
    store.reset();
    store = place.open();
    facts_agree();
}

STORE_TEST_CASE("appends from several threads all land, in order within each incident") {
    place_type place;
    auto store = place.open();
    constexpr int threads = 4;
    constexpr int per_thread = 300;
    std::atomic<int> committed{0};
    std::atomic<int> failed{0};
    std::vector<std::int64_t> incidents(threads);
    std::vector<std::thread> producers;
    for (int t = 0; t < threads; ++t) {
        producers.emplace_back([&, t] {
            const std::string prefix = numbered("t", t) + "-";
            store->append({declare(numbered("thread ", t), prefix + "declare")},
                          [&, t](append_result r) {
                              if (r.ok()) incidents[t] = r.outcomes.at(0).incident_id;
                          });
            store->flush();
            for (int i = 0; i < per_thread; ++i) {
                store->append({note(incidents[t], std::to_string(i), prefix + std::to_string(i))},
                              [&](append_result r) { ++(r.ok() ? committed : failed); });
                if (i % 50 == 0) (void)store->list_incidents(true);  // reads meanwhile
            }
            store->flush();
        });
    }
    for (auto& p : producers) p.join();
    CHECK(failed == 0);
    CHECK(committed == threads * per_thread);
    for (int t = 0; t < threads; ++t) {
        const auto events = store->load_incident(incidents[t]);
        REQUIRE(events.size() == per_thread + 1);
        for (int i = 0; i < per_thread; ++i) {
            const auto& e = events[static_cast<std::size_t>(i) + 1];
            CHECK(e.sequence == i + 2);
            CHECK(e.source.message_id == numbered("t", t) + numbered("-", i));
        }
    }
}

STORE_TEST_CASE("two writers on one store, as two processes: every event once, numbers unbroken") {
    place_type place;
    auto first = place.open();
    auto second = place.open();
    REQUIRE(append_now(*first, {declare("Shared", "declare")}).ok());
    constexpr int per_writer = 200;
    std::atomic<int> failed{0};
    const auto write = [&](event_store& store, const std::string& prefix) {
        for (int i = 0; i < per_writer; ++i) {
            // The same message redelivered to both writers must be stored once as well.
            store.append({note(1, prefix + std::to_string(i), prefix + std::to_string(i)),
                          note(1, "both " + std::to_string(i), numbered("both-", i))},
                         [&](append_result r) {
                             if (!r.ok()) ++failed;
                         });
        }
        store.flush();
    };
    std::thread a([&] { write(*first, "a-"); });
    std::thread b([&] { write(*second, "b-"); });
    a.join();
    b.join();
    CHECK(failed == 0);
    // A third opening sees both writers' work.
    auto reader = place.open();
    const auto events = reader->load_incident(1);
    REQUIRE(events.size() == 1 + 3 * per_writer);
    std::set<std::string> keys;
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].sequence == static_cast<std::int64_t>(i + 1));
        keys.insert(events[i].source.message_id);
    }
    CHECK(keys.size() == events.size());
    // Each writer notices the other's numbers before it writes again.
    const auto more = append_now(*first, {note(1, "after")});
    REQUIRE(more.ok());
    CHECK(more.outcomes[0].sequence == static_cast<std::int64_t>(events.size() + 1));
    const auto incident = append_now(*second, {declare("Next")});
    REQUIRE(incident.ok());
    CHECK(incident.outcomes[0].incident_id == 2);
}

STORE_TEST_CASE("flush from an append callback is refused instead of waiting for itself") {
    place_type place;
    auto store = place.open();
    bool refused = false;
    store->append({declare("A")}, [&](append_result) {
        try {
            store->flush();
        } catch (const std::logic_error&) {
            refused = true;
        }
    });
    store->flush();
    CHECK(refused);
}

STORE_TEST_CASE(
    "a stream cursor is saved after the appends queued before it, and survives a restart") {
    place_type place;
    auto store = place.open();
    CHECK_FALSE(store->load_cursor("matrix").has_value());

    // Queued back to back, so the writer commits them in one group: the cursor's callback runs
    // after the append's, and the cursor is readable once its callback has run.
    std::vector<std::string> order;
    std::mutex order_lock;
    store->append({declare("A", "m1")}, [&](append_result r) {
        const std::lock_guard lock(order_lock);
        order.push_back(r.ok() ? "append" : r.error);
    });
    store->save_cursor("matrix", "s72_1", [&](append_result r) {
        const std::lock_guard lock(order_lock);
        order.push_back(r.ok() && r.outcomes.empty() ? "cursor" : r.error);
    });
    store->flush();
    CHECK(order == std::vector<std::string>{"append", "cursor"});
    CHECK(store->load_cursor("matrix") == "s72_1");

    store->save_cursor("matrix", "s80_4", {});
    store->save_cursor("other", "x", {});
    store.reset();
    store = place.open();
    CHECK(store->load_cursor("matrix") == "s80_4");
    CHECK(store->load_cursor("other") == "x");
    CHECK(store->load_incident(1).size() == 1);
}

namespace {

owed_answer owed_to(std::string message_id) {
    owed_answer owed;
    owed.answers = {"console", "C1", message_id, 0};
    owed.reply_to = message_id;
    owed.cause = message_id;
    owed.thread = "T1";
    owed.notes = "Read 10:56 as today.";
    owed.owner = "process-1";
    return owed;
}

append_result append_owing_now(event_store& store, std::vector<model::event> events,
                               owed_answer owed) {
    append_result result;
    result.error = "callback never ran";
    store.append_owing(std::move(events), std::move(owed),
                       [&result](append_result r) { result = std::move(r); });
    store.flush();
    return result;
}

}  // namespace

STORE_TEST_CASE("an answer is owed with the events it answers, until it is settled") {
    place_type place;
    auto store = place.open();
    CHECK(store->unsent_answers({10}).empty());

    auto declared = declare("A", "m1");
    declared.recorded_at = at(3);
    const auto first = append_owing_now(*store, {declared}, owed_to("m1"));
    REQUIRE(first.ok());
    CHECK(first.answer_id != 0);
    const auto second = append_owing_now(*store, {note(1, "x", "m2")}, owed_to("m2"));
    REQUIRE(second.ok());
    CHECK(second.answer_id != first.answer_id);

    auto owed = store->unsent_answers({10});
    REQUIRE(owed.size() == 2);
    CHECK(owed[0].id == first.answer_id);  // oldest first
    CHECK(owed[0].incident_id == 1);
    CHECK(owed[0].answer.answers.platform == "console");
    CHECK(owed[0].answer.answers.channel == "C1");
    CHECK(owed[0].answer.answers.message_id == "m1");
    CHECK(owed[0].answer.reply_to == "m1");
    CHECK(owed[0].answer.cause == "m1");
    CHECK(owed[0].answer.thread == "T1");
    CHECK(owed[0].answer.notes == "Read 10:56 as today.");
    CHECK(owed[0].answer.owner == "process-1");
    CHECK(owed[0].owed_since == at(3));
    CHECK(store->unsent_answers({1}).size() == 1);

    // Kept across a restart: what a killed process owed is still owed.
    store.reset();
    store = place.open();
    CHECK(store->unsent_answers({10}).size() == 2);

    bool settled = false;
    store->settle_answers({first.answer_id}, [&](append_result r) { settled = r.ok(); });
    store->flush();
    CHECK(settled);
    owed = store->unsent_answers({10});
    REQUIRE(owed.size() == 1);
    CHECK(owed[0].id == second.answer_id);
}

STORE_TEST_CASE("a redelivered batch owes nothing new, and one that fails owes nothing") {
    place_type place;
    auto store = place.open();
    const auto first = append_owing_now(*store, {declare("A", "m1")}, owed_to("m1"));
    REQUIRE(first.ok());
    // Its first answer still owed: named again, so it is not forgotten.
    const auto again = append_owing_now(*store, {declare("A", "m1")}, owed_to("m1"));
    REQUIRE(again.ok());
    CHECK(again.outcomes.at(0).duplicate);
    CHECK(again.answer_id == first.answer_id);
    CHECK(store->unsent_answers({10}).size() == 1);
    store->settle_answers({first.answer_id}, {});
    store->flush();  // settled answers are written after the appends of their group
    CHECK(append_owing_now(*store, {declare("A", "m1")}, owed_to("m1")).answer_id == 0);
    REQUIRE(append_owing_now(*store, {note(1, "y", "m2")}, owed_to("m2")).ok());

    const auto failed =
        append_owing_now(*store, {note(9, "no such incident", "m3")}, owed_to("m3"));
    CHECK_FALSE(failed.ok());
    CHECK(failed.answer_id == 0);
    CHECK(store->unsent_answers({10}).size() == 1);

    // Plain appends (imports, other writers) owe nothing.
    REQUIRE(append_now(*store, {note(1, "x", "m4")}).ok());
    CHECK(store->unsent_answers({10}).size() == 1);
}

STORE_TEST_CASE("owed answers are listed by platform and by age") {
    place_type place;
    auto store = place.open();
    auto on = [](std::string platform, std::string message_id) {
        auto owed = owed_to(message_id);
        owed.answers.platform = std::move(platform);
        return owed;
    };
    auto first = declare("A", "m1");
    first.recorded_at = at(1);
    REQUIRE(append_owing_now(*store, {first}, on("matrix", "m1")).ok());
    auto second = note(1, "x", "m2");
    second.recorded_at = at(5);
    REQUIRE(append_owing_now(*store, {second}, on("slack", "m2")).ok());

    CHECK(store->unsent_answers({10}).size() == 2);
    const auto slack = store->unsent_answers({10, "slack", {}});
    REQUIRE(slack.size() == 1);
    CHECK(slack[0].answer.answers.message_id == "m2");
    CHECK(store->unsent_answers({10, "console", {}}).empty());
    const auto old = store->unsent_answers({10, {}, at(3)});
    REQUIRE(old.size() == 1);
    CHECK(old[0].answer.answers.message_id == "m1");
}

}  // namespace scribe::store::test
