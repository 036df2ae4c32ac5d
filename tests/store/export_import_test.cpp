// Export with for_each_event and import into another file: the same events, incidents, actions.
#include <doctest/doctest.h>

#include "tests/store/store_support.hpp"

namespace scribe::store::test {
namespace {

namespace p = model::payload;

std::vector<std::string> summaries(event_store& store) {
    std::vector<std::string> out;
    for (const auto& s : store.list_incidents(false)) {
        out.push_back(std::to_string(s.id) + " " + s.title + " " +
                      std::string(model::to_string(s.level)) + " " +
                      std::string(model::to_string(s.current)) + " " + s.channel.channel + " " +
                      model::format_utc(s.declared_at) + " " + std::to_string(s.event_count));
    }
    return out;
}

std::vector<std::string> actions(event_store& store) {
    std::vector<std::string> out;
    for (const auto& a : store.list_open_actions()) {
        out.push_back(std::to_string(a.incident_id) + "#" + std::to_string(a.number) + " " +
                      a.incident_title + " " + a.owner.name + " " + a.text);
    }
    return out;
}

void fill(event_store& store) {
    using namespace std::chrono;
    REQUIRE(append_now(store, {declare("A", "m1"), note(0, "one", "m2"),
                               make_event(0, p::action_added{bob, "fix it", year{2026} / 12 / 1}),
                               make_event(0, p::action_added{alice, "withdrawn", std::nullopt}),
                               status(0, model::phase::monitoring)})
                .ok());
    REQUIRE(append_now(store,
                       {declare("B", "m3", "C2"), note(0, "two"),
                        make_event(1, p::entry_retracted{4}), make_event(1, p::entry_retracted{5}),
                        make_event(1, p::entry_edited{3, "fix it properly"})})
                .ok());
    REQUIRE(append_now(store, {status(2, model::phase::closed)}).ok());
}

}  // namespace

TEST_CASE("an export imported into a new file gives back the same store") {
    temp_dir dir;
    auto source = sqlite_store::open(dir.file("source.db"));
    fill(*source);
    const auto exported = export_all(*source);
    REQUIRE(exported.size() == 11);

    auto copy = sqlite_store::open(dir.file("copy.db"));
    CHECK(copy->import_events(exported) == static_cast<std::int64_t>(exported.size()));
    CHECK(to_json(export_all(*copy)) == to_json(exported));
    CHECK(summaries(*copy) == summaries(*source));
    CHECK(actions(*copy) == actions(*source));
    CHECK(actions(*copy) == std::vector<std::string>{"1#3 A Bob fix it properly"});

    SUBCASE("importing again adds nothing") {
        CHECK(copy->import_events(exported) == 0);
        CHECK(export_all(*copy).size() == exported.size());
    }
    SUBCASE("an imported event whose source key is already stored is skipped") {
        auto redelivered = note(1, "one again", "m2");
        redelivered.incident_id = 1;
        redelivered.sequence = 50;
        CHECK(copy->import_events({redelivered}) == 0);
    }
    SUBCASE("appends after an import continue the imported numbering") {
        auto r = append_now(*copy, {note(1, "after import"), declare("C"), note(0, "c1", "m2")});
        REQUIRE(r.ok());
        CHECK(r.outcomes[0].incident_id == 1);
        CHECK(r.outcomes[0].sequence == 9);
        CHECK(r.outcomes[1].incident_id == 3);
        CHECK(r.outcomes[2].duplicate);  // m2 came in with the import
    }
    SUBCASE("an import that fails stores nothing") {
        auto fresh = note(1, "fine");
        fresh.incident_id = 1;
        fresh.sequence = 60;
        auto broken = note(0, "no incident");
        CHECK_THROWS_AS(copy->import_events({fresh, broken}), store_error);
        CHECK(export_all(*copy).size() == exported.size());
    }
    SUBCASE("importing into a store that has its own events keeps both") {
        auto other = sqlite_store::open(dir.file("other.db"));
        REQUIRE(append_now(*other, {declare("Z", "z1")}).ok());
        std::vector<model::event> later;
        for (auto e : exported) {
            e.incident_id += 10;
            e.source.message_id += e.source.message_id.empty() ? "" : "-old";
            later.push_back(e);
        }
        CHECK(other->import_events(later) == static_cast<std::int64_t>(later.size()));
        CHECK(other->list_incidents(false).size() == 3);
        auto r = append_now(*other, {declare("next")});
        CHECK(r.outcomes.at(0).incident_id == 13);
    }
}

TEST_CASE("the export visitor may read from the store while it runs") {
    temp_dir dir;
    auto store = sqlite_store::open(dir.file("scribe.db"));
    fill(*store);
    std::size_t visited = 0;
    store->for_each_event([&](const model::event& e) {
        CHECK_FALSE(store->load_incident(e.incident_id).empty());
        ++visited;
    });
    CHECK(visited == 11);
}

}  // namespace scribe::store::test
