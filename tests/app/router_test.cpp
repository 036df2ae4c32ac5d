// The router over a real SQLite store: replies, redeliveries, channels side by side.
#include "bot/app/router.hpp"

#include <doctest/doctest.h>

#include <set>

#include "bot/store/sqlite_store.hpp"
#include "tests/support/events.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/work_queue.hpp"

using namespace scribe;
using scribe::testing::at;
using scribe::testing::temp_dir;

namespace {

struct harness {
    temp_dir dir;
    std::unique_ptr<store::sqlite_store> store = store::sqlite_store::open((dir / "s.db").string());
    model::timestamp now = at("2026-11-21T14:00:00Z");
    testing::work_queue queue;
    app::router bot{*store,
                    [this] {
                        app::router_options o;
                        o.clock = [this] { return now; };
                        o.announce = [this](adapters::outbound_reply r) {
                            announced.push_back(std::move(r));
                        };
                        return o;
                    }(),
                    [this](std::function<void()> work) { queue.post(std::move(work)); }};
    std::vector<adapters::outbound_reply> replies;
    std::vector<adapters::outbound_reply> announced;  // reminders, answers sent again

    void say(const std::string& channel, const std::string& id, const std::string& text,
             const std::string& who = "alice") {
        adapters::inbound_message m{{"console", who, who}, {"console", channel, id, 0}, text, now};
        bot.handle(m, [this](adapters::outbound_reply r) { replies.push_back(std::move(r)); });
    }
    void settle() {
        REQUIRE(queue.run_until([this] { return bot.idle(); }, std::chrono::seconds(30)));
    }
};

}  // namespace

TEST_CASE("each command gets one reply after commit, and chatter gets none") {
    harness h;
    h.say("ops", "1", "!declare Search down sev1");
    h.say("ops", "2", "good morning");
    h.say("ops", "3", "!tl looking at the index");
    h.settle();
    REQUIRE(h.replies.size() == 2);
    CHECK(h.replies[0].text.find("Incident #1 declared") == 0);
    CHECK(h.replies[0].in_reply_to == "1");
    CHECK(h.replies[1].text.find("#2 at 14:00") == 0);
    CHECK(h.store->load_incident(1).size() == 2);
}

namespace {

// Runs router::answer_owed to its end.
void answer_owed(harness& h, app::router& bot, std::set<std::string> reachable) {
    bool done = false;
    bot.answer_owed(std::move(reachable), h.now, [&done] { done = true; });
    REQUIRE(h.queue.run_until([&] { return done; }, std::chrono::seconds(30)));
}

// A second router on the harness's store, as the process after a kill; what it posts (its
// adapters' post()) is kept.
struct later_process {
    explicit later_process(harness& h)
        : bot(
              *h.store,
              [&h, this] {
                  app::router_options o;
                  o.clock = [&h] { return h.now; };
                  o.announce = [this](adapters::outbound_reply r) {
                      posted.push_back(std::move(r));
                  };
                  return o;
              }(),
              [&h](std::function<void()> work) { h.queue.post(std::move(work)); }) {}

    std::vector<adapters::outbound_reply> posted;
    app::router bot;
};

// Settles a reply as its adapter would, and waits until the store knows.
void deliver(harness& h, adapters::outbound_reply& reply, bool delivered) {
    REQUIRE(reply.settled);
    reply.settled(delivered);
    h.queue.run_ready();
    h.store->flush();
}

}  // namespace

TEST_CASE("an answer is owed until its delivery, and one whose delivery failed is sent again") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!tl looking at the index");
    h.say("ops", "3", "good morning");
    h.settle();
    REQUIRE(h.replies.size() == 2);
    CHECK(h.replies[1].cause == "2");
    CHECK(h.store->unsent_answers({10}).size() == 2);

    // Being sent by this router: not sent a second time.
    answer_owed(h, h.bot, {"console"});
    CHECK(h.announced.empty());

    deliver(h, h.replies[0], true);
    CHECK(h.store->unsent_answers({10}).size() == 1);
    deliver(h, h.replies[1], false);
    answer_owed(h, h.bot, {"console"});
    REQUIRE(h.announced.size() == 1);
    CHECK(h.announced[0].resend);
    CHECK(h.announced[0].text == h.replies[1].text);
    CHECK(h.announced[0].in_reply_to == "2");
    deliver(h, h.announced[0], true);
    CHECK(h.store->unsent_answers({10}).empty());

    // One that keeps failing is tried a few times, then left for the next start.
    h.say("ops", "4", "!tl refused every time");
    h.settle();
    REQUIRE(h.replies.size() == 3);
    deliver(h, h.replies[2], false);
    h.announced.clear();
    for (int tries = 0; tries < 10; ++tries) {
        const auto before = h.announced.size();
        answer_owed(h, h.bot, {"console"});
        if (h.announced.size() > before) deliver(h, h.announced.back(), false);
    }
    CHECK(h.announced.size() == 4);  // five tries in all
    CHECK(h.store->unsent_answers({10}).size() == 1);
}

TEST_CASE("what an earlier process owed is sent by the next, as it would have been") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!tl looking at the index");
    h.say("ops", "3", "!close");
    h.settle();
    REQUIRE(h.replies.size() == 3);
    deliver(h, h.replies[0], true);

    later_process next(h);
    auto& posted = next.posted;
    answer_owed(h, next.bot, {"matrix"});  // not connected to the platform asked: nothing sent
    CHECK(posted.empty());
    answer_owed(h, next.bot, {"console"});
    REQUIRE(posted.size() == 2);
    for (std::size_t i = 0; i < posted.size(); ++i) {
        CAPTURE(i);
        const auto& first = h.replies[i + 1];
        CHECK(posted[i].resend);
        CHECK(posted[i].recorded);
        CHECK(posted[i].platform == "console");
        CHECK(posted[i].channel == "ops");
        CHECK(posted[i].in_reply_to == first.in_reply_to);
        CHECK(posted[i].cause == first.cause);
        CHECK(posted[i].text == first.text);
        CHECK(posted[i].files.size() == first.files.size());
    }
    CHECK(posted[1].files.at(0).content == h.replies[2].files.at(0).content);
    for (auto& reply : posted) deliver(h, reply, true);
    CHECK(h.store->unsent_answers({10}).empty());
}

TEST_CASE("an answer owed for more than a day is given up, not sent") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.settle();
    REQUIRE(h.store->unsent_answers({10}).size() == 1);
    later_process next(h);
    h.now += std::chrono::hours(25);
    answer_owed(h, next.bot, {});  // given up even where the platform is not served
    h.store->flush();
    CHECK(next.posted.empty());
    CHECK(h.store->unsent_answers({10}).empty());
}

TEST_CASE("a redelivered message is recorded once and answered once") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!tl first");
    h.settle();
    h.say("ops", "2", "!tl first");
    h.settle();
    CHECK(h.replies.size() == 2);
    CHECK(h.store->load_incident(1).size() == 2);
}

TEST_CASE("messages queued in one channel see each other's effects, in order") {
    harness h;
    // Both are handed over before either commits: the second must wait for the first.
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!tl first entry");
    h.say("ops", "3", "!edit 2 corrected entry");
    h.say("web", "4", "!declare Web down");
    h.say("web", "5", "!tl web entry");
    h.settle();
    REQUIRE(h.replies.size() == 5);
    for (const auto& r : h.replies) CHECK(r.text.find("Sorry") == std::string::npos);
    const auto ops = model::fold(h.store->load_incident(1));
    CHECK(ops.timeline[1].text == "corrected entry");
    const auto web = model::fold(h.store->load_incident(2));
    CHECK(web.title == "Web down");
    CHECK(web.timeline.size() == 2);
}

TEST_CASE("close attaches the draft and the agenda, and the channel can declare again") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!close");
    h.say("ops", "3", "!declare Search down again");
    h.say("ops", "4", "!draft 1");
    h.settle();
    REQUIRE(h.replies.size() == 4);
    REQUIRE(h.replies[1].files.size() == 2);
    CHECK(h.replies[1].files[0].filename == "incident-1-postmortem.md");
    CHECK(h.replies[1].files[1].filename == "incident-1-retro-agenda.md");
    CHECK(h.replies[1].text.find("MTTR not recorded") != std::string::npos);
    CHECK(h.replies[2].text.find("Incident #2 declared") == 0);
    REQUIRE(h.replies[3].files.size() == 1);
    CHECK(h.replies[3].files[0].content.find("Search down") != std::string::npos);
}

TEST_CASE("errors reply with the problem and usage and record nothing") {
    harness h;
    h.say("ops", "1", "!tl nothing is open");
    h.say("ops", "2", "!declare Search down");
    h.say("ops", "3", "!declare Another");
    h.say("ops", "4", "!sev 9");
    h.say("ops", "5", "!draft 99");
    h.settle();
    REQUIRE(h.replies.size() == 5);
    CHECK(h.replies[0].text.find("Sorry: there is no open incident") == 0);
    CHECK(h.replies[2].text.find("still open") != std::string::npos);
    CHECK(h.replies[3].text.find("usage: !sev <1-4>") != std::string::npos);
    CHECK(h.replies[4].text.find("no incident #99") != std::string::npos);
    CHECK(h.store->load_incident(1).size() == 1);
    CHECK(h.store->list_incidents(false).size() == 1);
}

TEST_CASE("incidents and actions across channels") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!action bob reindex due 2026-12-01");
    h.say("web", "3", "!declare Web down sev2");
    h.say("web", "4", "!action carol add a cache");
    h.say("web", "5", "!incidents");
    h.say("web", "6", "!actions");
    h.settle();
    REQUIRE(h.replies.size() == 6);
    CHECK(h.replies[4].text.find("#2 SEV2 investigating — Web down") != std::string::npos);
    CHECK(h.replies[4].text.find("#1 SEV3 investigating — Search down") != std::string::npos);
    CHECK(h.replies[5].text.find("#1/2 bob: reindex (due 2026-12-01)") != std::string::npos);
    CHECK(h.replies[5].text.find("#2/2 carol: add a cache") != std::string::npos);
}

namespace {

adapters::pin_request pin_of(const std::string& channel, const std::string& id,
                             const std::string& text, const std::string& author,
                             const std::string& event_id, model::timestamp sent) {
    adapters::pin_request r;
    r.pinned = {{"console", author, author}, {"console", channel, id, 0}, text, sent};
    r.pinned_by = {"console", "alice", "alice"};
    r.permalink = "https://chat.example/" + id;
    r.event_id = event_id;
    return r;
}

adapters::message_change change_of(const std::string& channel, const std::string& id,
                                   const std::string& text, const std::string& change_id,
                                   bool deleted = false) {
    adapters::message_change c;
    c.message = {"console", channel, id, 0};
    c.by = {"console", "alice", "alice"};
    c.new_text = text;
    c.deleted = deleted;
    c.change_id = change_id;
    c.at = at("2026-11-21T14:10:00Z");
    return c;
}

}  // namespace

TEST_CASE("a pinned message becomes an entry with its own author and time, and unpinning retracts it") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.settle();
    const auto sent = at("2026-11-21T13:58:00Z");
    int durable = 0;
    auto count = [&durable](adapters::delivery_result r) {
        if (r == adapters::delivery_result::handled) ++durable;
    };
    auto sink = [&h](adapters::outbound_reply r) { h.replies.push_back(std::move(r)); };
    h.bot.pin(pin_of("ops", "m7", "the index is corrupt", "bob", "ev1", sent), sink, count);
    h.bot.pin(pin_of("ops", "m7", "the index is corrupt", "bob", "ev1", sent), sink, count);
    h.bot.pin(pin_of("ops", "m7", "the index is corrupt", "bob", "ev2", sent), sink, count);
    h.settle();
    CHECK(durable == 3);
    REQUIRE(h.replies.size() == 2);
    CHECK(h.replies[1].recorded);
    CHECK(h.replies[1].in_reply_to == "m7");
    auto state = model::fold(h.store->load_incident(1));
    REQUIRE(state.timeline.size() == 2);
    const auto& entry = state.timeline[1];
    CHECK(entry.kind == model::timeline_kind::pinned);
    CHECK(entry.author.id == "bob");
    CHECK(entry.happened_at == sent);
    CHECK(entry.permalink == "https://chat.example/m7");

    h.bot.unpin(pin_of("ops", "m7", "", "bob", "ev3", sent), sink, count);
    h.settle();
    state = model::fold(h.store->load_incident(1));
    CHECK(state.timeline[1].retracted);
    // Pinning again after an unpin records it again.
    h.bot.pin(pin_of("ops", "m7", "the index is corrupt", "bob", "ev4", sent), sink, count);
    h.settle();
    state = model::fold(h.store->load_incident(1));
    CHECK(state.timeline.size() == 3);
    CHECK(durable == 5);
}

TEST_CASE("editing the chat message behind an entry edits the entry, and deleting it retracts it") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!tl -5m restarted shard 3");
    h.say("ops", "3", "!why disk full");
    h.settle();
    int durable = 0;
    auto count = [&durable](adapters::delivery_result r) {
        if (r == adapters::delivery_result::handled) ++durable;
    };
    h.bot.message_changed(change_of("ops", "2", "!tl -5m restarted shard 4", "e1"), {}, count);
    h.bot.message_changed(change_of("ops", "2", "!tl -5m restarted shard 4", "e1"), {}, count);
    h.bot.message_changed(change_of("ops", "3", "", "d1", true), {}, count);
    h.bot.message_changed(change_of("ops", "99", "unrelated", "e2"), {}, count);
    h.settle();
    CHECK(durable == 4);
    CHECK(h.replies.size() == 3);  // nothing new in the channel

    const auto state = model::fold(h.store->load_incident(1));
    CHECK(state.timeline[1].text == "restarted shard 4");
    REQUIRE(state.timeline[1].history.size() == 1);
    CHECK(state.timeline[1].history[0].previous_text == "restarted shard 3");
    CHECK(state.whys[0].retracted);
    CHECK(state.last_sequence == 5);

    // With somewhere to answer, an edit corrects the earlier answer rather than adding one.
    h.bot.message_changed(change_of("ops", "2", "!tl -5m restarted shard 5", "e3"),
                          [&h](adapters::outbound_reply r) { h.replies.push_back(std::move(r)); });
    h.settle();
    REQUIRE(h.replies.size() == 4);
    CHECK(h.replies[3].replaces_earlier);
    CHECK(h.replies[3].in_reply_to == "2");
    CHECK(h.replies[3].text.find("now reads \"restarted shard 5\"") != std::string::npos);
}

TEST_CASE("deleting the reaction that pinned a message retracts the pin, known by its id alone") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.settle();
    const auto sent = at("2026-11-21T13:58:00Z");
    auto sink = [&h](adapters::outbound_reply r) { h.replies.push_back(std::move(r)); };
    h.bot.pin(pin_of("ops", "m7", "the index is corrupt", "bob", "$reaction", sent), sink);
    h.settle();
    // What an adapter that no longer remembers the reaction reports: a deletion of its id.
    h.bot.message_changed(change_of("ops", "$reaction", "", "$redaction", true), {});
    h.settle();
    const auto state = model::fold(h.store->load_incident(1));
    REQUIRE(state.timeline.size() == 2);
    CHECK(state.timeline[1].retracted);
}

TEST_CASE("chatter is durable at once and leaves nothing in flight") {
    harness h;
    int durable = 0;
    adapters::inbound_message m{{"console", "a", "a"}, {"console", "ops", "1", 0}, "hello", h.now};
    h.bot.handle(m, [](adapters::outbound_reply) {}, [&durable](adapters::delivery_result) { ++durable; });
    CHECK(durable == 1);
    CHECK(h.bot.idle());
}

TEST_CASE("a room linked to an incident declared elsewhere feeds its timeline until unlinked") {
    harness h;
    auto from_matrix = [&h](const std::string& id, const std::string& text) {
        adapters::inbound_message m{{"matrix", "@bob:hs", "Bob"}, {"matrix", "!r:hs", id, 0}, text,
                                    h.now};
        h.bot.handle(m, [&h](adapters::outbound_reply r) { h.replies.push_back(std::move(r)); });
        h.settle();
        return h.replies.back().text;
    };
    h.say("ops", "1", "!declare Search down sev2");
    h.settle();
    CHECK(from_matrix("$0", "!link-room #2").find("there is no incident #2") != std::string::npos);
    CHECK(from_matrix("$1", "!link-room #1").find("Matrix room !r:hs now feeds incident #1") !=
          std::string::npos);
    CHECK(from_matrix("$2", "!tl shard 3 is slow").find("shard 3 is slow") != std::string::npos);
    CHECK(from_matrix("$3", "!declare Another").find("is still open") != std::string::npos);
    CHECK(from_matrix("$4", "!link-room 1").find("already feeds incident #1") != std::string::npos);
    h.say("ops", "2", "!unlink-room");
    h.settle();
    CHECK(h.replies.back().text.find("was declared in this room") != std::string::npos);

    auto state = model::fold(h.store->load_incident(1));
    REQUIRE(state.linked_rooms.size() == 1);
    CHECK(state.serves({"matrix", "!r:hs", {}, 0}));
    const auto& entry = state.timeline.back();
    CHECK(entry.text == "shard 3 is slow");
    CHECK(entry.author.name == "Bob");
    CHECK(h.store->open_incident_in({"matrix", "!r:hs", {}, 0}) == 1);

    // Closed from its own channel: the linked room has no open incident any more.
    h.say("ops", "3", "!close");
    h.settle();
    CHECK(from_matrix("$5", "!tl too late").find("no open incident") != std::string::npos);
    CHECK(from_matrix("$6", "!link-room #1").find("is closed") != std::string::npos);
    h.say("ops", "4", "!reopen");
    h.settle();
    CHECK(from_matrix("$7", "!tl back again").find("back again") != std::string::npos);
    CHECK(from_matrix("$8", "!unlink-room").find("no longer feeds incident #1") !=
          std::string::npos);
    CHECK(from_matrix("$9", "!tl after unlinking").find("no open incident") != std::string::npos);
    CHECK_FALSE(h.store->open_incident_in({"matrix", "!r:hs", {}, 0}).has_value());
    state = model::fold(h.store->load_incident(1));
    CHECK(state.linked_rooms.empty());
}

namespace {

// A router whose reminders go to `announced`, over a store that outlives it (for restarts).
struct reminder_harness {
    explicit reminder_harness(temp_dir& dir, model::timestamp start) : now(start) {
        store = store::sqlite_store::open((dir / "s.db").string());
        app::router_options o;
        o.clock = [this] { return now; };
        o.announce = [this](adapters::outbound_reply r) { announced.push_back(std::move(r)); };
        bot = std::make_unique<app::router>(
            *store, o, [this](std::function<void()> work) { queue.post(std::move(work)); });
    }
    void say(const std::string& id, const std::string& text) {
        adapters::inbound_message m{{"slack", "U1", "Alice"}, {"slack", "C1", id, 0}, text, now};
        bot->handle(m, [this](adapters::outbound_reply r) { replies.push_back(std::move(r)); });
        settle();
    }
    std::optional<model::timestamp> tick(std::chrono::minutes forward) {
        now += forward;
        std::optional<std::optional<model::timestamp>> next;
        bot->remind(now, true, [&next](std::optional<model::timestamp> due) { next = due; });
        REQUIRE(queue.run_until([&] { return next.has_value() && bot->idle(); },
                                std::chrono::seconds(30)));
        return *next;
    }
    void settle() {
        REQUIRE(queue.run_until([this] { return bot->idle(); }, std::chrono::seconds(30)));
    }

    model::timestamp now;
    std::unique_ptr<store::sqlite_store> store;
    testing::work_queue queue;
    std::unique_ptr<app::router> bot;
    std::vector<adapters::outbound_reply> replies;
    std::vector<adapters::outbound_reply> announced;
};

}  // namespace

TEST_CASE("SitRep reminders: due after the interval, repeated, moved by next update, stopped") {
    temp_dir dir;
    reminder_harness h(dir, at("2026-11-21T14:00:00Z"));
    h.say("1", "!declare Payments down sev1");
    h.say("2", "!role comms <@U2|Bob>");
    CHECK(h.tick(std::chrono::minutes(29)) == at("2026-11-21T14:30:00Z"));
    CHECK(h.announced.empty());

    // Due at 14:30; said once, however often the clock ticks.
    CHECK(h.tick(std::chrono::minutes(1)) == std::nullopt);
    h.tick(std::chrono::minutes(0));
    REQUIRE(h.announced.size() == 1);
    const auto& reminder = h.announced[0];
    CHECK(reminder.channel == "C1");
    CHECK(reminder.in_reply_to.empty());
    CHECK_FALSE(reminder.key.empty());
    CHECK(reminder.text.find("SitRep due for incident #1") == 0);
    CHECK(reminder.text.find("Bob (comms)") != std::string::npos);
    // Again one interval later while none is posted.
    CHECK(h.tick(std::chrono::minutes(10)) == at("2026-11-21T15:00:00Z"));
    h.tick(std::chrono::minutes(20));
    CHECK(h.announced.size() == 2);

    // A SitRep restarts the clock; its `next update:` overrides the interval once.
    h.say("3", "!sitrep\nstatus: failing over\nnext update: 10m");
    CHECK(h.tick(std::chrono::minutes(0)) == at("2026-11-21T15:10:00Z"));
    h.tick(std::chrono::minutes(10));
    CHECK(h.announced.size() == 3);
    CHECK(h.tick(std::chrono::minutes(0)) == at("2026-11-21T15:40:00Z"));

    // Off, on, then resolved: no more SitRep reminders.
    h.say("4", "!remind off");
    CHECK(h.replies.back().text.find("reminders off") != std::string::npos);
    CHECK(h.tick(std::chrono::minutes(60)) == std::nullopt);
    CHECK(h.announced.size() == 3);
    h.say("5", "!remind on");
    h.say("6", "!resolved");
    h.tick(std::chrono::minutes(60));
    CHECK(h.announced.size() == 3);
}

TEST_CASE("a resolved incident left open is reminded once to close, and closing ends it") {
    temp_dir dir;
    reminder_harness h(dir, at("2026-11-21T14:00:00Z"));
    h.say("1", "!declare Search slow sev3");
    h.say("2", "!role ic <@U1|Alice>");
    h.say("3", "!resolved");
    CHECK(h.tick(std::chrono::minutes(0)) == at("2026-11-22T14:00:00Z"));
    h.tick(std::chrono::hours(24));
    REQUIRE(h.announced.size() == 1);
    CHECK(h.announced[0].text.find("has been resolved since 14:00") != std::string::npos);
    CHECK(h.announced[0].text.find("Alice (incident commander)") != std::string::npos);
    CHECK(h.tick(std::chrono::hours(48)) == std::nullopt);
    CHECK(h.announced.size() == 1);
    h.say("4", "!close");
    CHECK(h.tick(std::chrono::hours(1)) == std::nullopt);
}

TEST_CASE("after a restart a reminder already sent is not repeated, and one due meanwhile is sent") {
    temp_dir dir;
    const auto start = at("2026-11-21T14:00:00Z");
    {
        reminder_harness h(dir, start);
        h.say("1", "!declare Payments down sev2");
        h.tick(std::chrono::minutes(60));
        CHECK(h.announced.size() == 1);
    }
    {
        reminder_harness h(dir, start + std::chrono::minutes(61));
        CHECK(h.tick(std::chrono::minutes(0)) == at("2026-11-21T16:00:00Z"));
        CHECK(h.announced.empty());
    }
    reminder_harness h(dir, start + std::chrono::minutes(200));
    h.tick(std::chrono::minutes(0));
    // Down through 16:00 and 17:00: one reminder now, not one per missed interval.
    CHECK(h.announced.size() == 1);
    CHECK(h.tick(std::chrono::minutes(0)) == at("2026-11-21T18:20:00Z"));
}

TEST_CASE("now is when a message was sent, recorded is when Scribe took it") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.settle();
    // Typed at 14:00, delivered after a ten-minute outage.
    const auto sent = h.now;
    h.now += std::chrono::minutes(10);
    adapters::inbound_message late{{"console", "alice", "alice"}, {"console", "ops", "2", 0},
                                   "!tl -5m paged the database team", sent};
    h.bot.handle(late, [&h](adapters::outbound_reply r) { h.replies.push_back(std::move(r)); });
    // A sender whose clock runs ahead gives way to ours.
    adapters::inbound_message ahead{{"console", "bob", "bob"}, {"console", "ops", "3", 0},
                                    "!tl from the future", h.now + std::chrono::hours(1)};
    h.bot.handle(ahead, [&h](adapters::outbound_reply r) { h.replies.push_back(std::move(r)); });
    h.settle();
    const auto events = h.store->load_incident(1);
    REQUIRE(events.size() == 3);
    CHECK(events[1].occurred_at == at("2026-11-21T13:55:00Z"));
    CHECK(events[1].recorded_at == at("2026-11-21T14:10:00Z"));
    CHECK(h.replies[1].text == "#2 at 13:55 (UTC+00:00), recorded 14:10: \"paged the database team\"");
    CHECK(events[2].occurred_at == h.now);
}

TEST_CASE("the retro's outcomes go into the closed incident, live changes need a reopen") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.say("ops", "2", "!tl index rebuilt");
    h.say("ops", "3", "!close");
    h.say("ops", "4", "!lesson helped the runbook");
    h.say("ops", "5", "!role facilitator erin");
    h.say("ops", "6", "!edit 2 index rebuilt from the snapshot");
    h.say("ops", "7", "!tl too late");
    h.say("ops", "8", "!action #1 bob alert on index size");
    h.settle();
    REQUIRE(h.replies.size() == 8);
    CHECK(h.replies[3].text.find("#4 in closed incident #1") == 0);
    CHECK(h.replies[4].text.find("erin is facilitator") != std::string::npos);
    CHECK(h.replies[5].text.find("#2 now reads") != std::string::npos);
    CHECK(h.replies[6].text.find("Sorry: there is no open incident") == 0);
    CHECK(h.replies[7].text.find("action for bob") != std::string::npos);
    const auto state = model::fold(h.store->load_incident(1));
    CHECK_FALSE(state.is_open());
    CHECK(state.lessons.size() == 1);
    CHECK(state.roles.at("facilitator").name == "erin");
    CHECK(state.actions.size() == 1);
}

TEST_CASE("a state another writer changed is read again, not applied on top of") {
    harness h;
    h.say("ops", "1", "!declare Search down");
    h.settle();
    // Another process appends to the same incident behind the router's back.
    auto other = store::sqlite_store::open((h.dir / "s.db").string());
    model::event e;
    e.incident_id = 1;
    e.occurred_at = e.recorded_at = h.now;
    e.actor = {"console", "bob", "bob"};
    e.source = {"console", "ops", "other-1", 0};
    e.data = model::payload::entry_added{model::entry_type::note, "from elsewhere", {}, {}, {}};
    bool stored = false;
    other->append({e}, [&](store::append_result r) { stored = r.ok(); });
    other->flush();
    REQUIRE(stored);
    h.say("ops", "2", "!tl mine");
    h.say("ops", "3", "!timeline");
    h.settle();
    CHECK(h.replies[1].text.find("#3 at") == 0);
    CHECK(h.replies[2].text.find("from elsewhere") != std::string::npos);
}

TEST_CASE("store reads leave the loop: a room not seen yet waits for them, a known one does not") {
    temp_dir dir;
    auto store = store::sqlite_store::open((dir / "s.db").string());
    const auto now = at("2026-11-21T14:00:00Z");
    testing::work_queue loop;
    testing::work_queue reader;  // run only when the test says
    app::router_options options;
    options.clock = [now] { return now; };
    app::router bot(
        *store, options, [&loop](std::function<void()> work) { loop.post(std::move(work)); },
        [&reader](std::function<void()> work) { reader.post(std::move(work)); });
    std::vector<adapters::outbound_reply> replies;
    auto say = [&](const std::string& channel, const std::string& id, const std::string& text) {
        adapters::inbound_message m{
            {"console", "alice", "alice"}, {"console", channel, id, 0}, text, now};
        bot.handle(m, [&replies](adapters::outbound_reply r) { replies.push_back(std::move(r)); });
    };
    auto settle = [&] {
        for (;;) {
            REQUIRE(loop.run_until([&] { return bot.idle() || reader.size() > 0; },
                                   std::chrono::seconds(30)));
            if (bot.idle()) return;
            reader.run_ready();
        }
    };
    say("ops", "1", "!declare Search down");
    settle();
    REQUIRE(replies.size() == 1);

    say("dev", "2", "!declare Builds slow");
    CHECK(reader.size() == 1);  // the room's incidents are being read
    say("ops", "3", "!tl index rebuilt");
    REQUIRE(loop.run_until([&] { return replies.size() == 2; }, std::chrono::seconds(30)));
    CHECK(replies[1].text.find("#2 at 14:00") == 0);
    CHECK(reader.size() == 1);  // answered without the reader

    settle();
    REQUIRE(replies.size() == 3);
    CHECK(replies[2].text.find("Incident #2 declared") == 0);
    CHECK(replies[2].channel == "dev");
}
