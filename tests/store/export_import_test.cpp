// Export with for_each_event and import into another file: the same events, incidents, actions.
#include <doctest/doctest.h>

#include "bot/model/incident.hpp"
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
    for (const auto& a : store.list_actions(true)) {
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
    const auto report = copy->import_events(exported);
    CHECK(report.added == static_cast<std::int64_t>(exported.size()));
    REQUIRE(report.incidents.size() == 2);
    CHECK(report.incidents[0].what == imported_incident::outcome::restored);
    CHECK(report.incidents[0].to == 1);
    CHECK(report.incidents[1].to == 2);
    CHECK(to_json(export_all(*copy)) == to_json(exported));
    CHECK(summaries(*copy) == summaries(*source));
    CHECK(actions(*copy) == actions(*source));
    CHECK(actions(*copy) == std::vector<std::string>{"1#3 A Bob fix it properly"});

    SUBCASE("importing again adds nothing") {
        const auto again = copy->import_events(exported);
        CHECK(again.added == 0);
        CHECK(again.incidents[0].what == imported_incident::outcome::present);
        CHECK(export_all(*copy).size() == exported.size());
    }
    SUBCASE("a later export of the same incidents adds what is new") {
        REQUIRE(append_now(*source, {note(1, "later", "m9")}).ok());
        const auto later = copy->import_events(export_all(*source));
        CHECK(later.added == 1);
        CHECK(later.incidents[0].what == imported_incident::outcome::extended);
        CHECK(to_json(export_all(*copy)) == to_json(export_all(*source)));
    }
    SUBCASE("appends after an import continue the imported numbering") {
        auto r = append_now(*copy, {note(1, "after import"), declare("C"), note(0, "c1", "m2")});
        REQUIRE(r.ok());
        CHECK(r.outcomes[0].incident_id == 1);
        CHECK(r.outcomes[0].sequence == 9);
        CHECK(r.outcomes[1].incident_id == 3);
        CHECK(r.outcomes[2].duplicate);  // m2 came in with the import
    }
    SUBCASE("an event the store holds otherwise is a conflict, and nothing is imported") {
        REQUIRE(append_now(*source, {note(1, "later", "m9")}).ok());
        auto later = export_all(*source);
        std::get<model::payload::entry_added>(later[1].data).text = "rewritten";
        try {
            copy->import_events(later);
            FAIL("imported a conflicting event");
        } catch (const import_conflict& conflict) {
            CHECK(conflict.event() == 1);
            CHECK(conflict.stored() == "incident 1, event #2");
        }
        CHECK(export_all(*copy).size() == exported.size());
    }
    SUBCASE("a dry run reports and writes nothing") {
        REQUIRE(append_now(*source, {note(1, "later", "m9")}).ok());
        const auto dry = copy->import_events(export_all(*source), true);
        CHECK(dry.dry_run);
        CHECK(dry.added == 1);
        CHECK(export_all(*copy).size() == exported.size());
    }
}

TEST_CASE("unrelated incidents are merged under new numbers, their references intact") {
    temp_dir dir;
    auto source = sqlite_store::open(dir.file("source.db"));
    fill(*source);
    REQUIRE(append_now(*source, {make_event(1, model::payload::reminder_sent{
                                                   model::reminder_kind::sitrep, at(30)},
                                            "reminder:1:sitrep:30")})
                .ok());
    const auto exported = export_all(*source);

    // Another team's store, whose incident 2 has an entry #4 of its own.
    auto other = sqlite_store::open(dir.file("other.db"));
    REQUIRE(append_now(*other, {declare("Z", "z1", "C9"), note(0, "z note", "z2"),
                                note(0, "z note 2", "z3"), note(0, "z note 3", "z4")})
                .ok());
    REQUIRE(append_now(*other, {declare("Y", "y1", "C8"), note(0, "y1"), note(0, "y2"),
                                note(0, "y entry four", "y4")})
                .ok());
    REQUIRE(append_now(*other, {make_event(1, model::payload::reminder_sent{
                                                  model::reminder_kind::sitrep, at(30)},
                                           "reminder:1:sitrep:30")})
                .ok());
    const auto report = other->import_events(exported);
    REQUIRE(report.incidents.size() == 2);
    CHECK(report.incidents[0].what == imported_incident::outcome::renumbered);
    CHECK(report.incidents[0].from == 1);
    CHECK(report.incidents[0].to == 3);
    CHECK(report.incidents[1].to == 4);
    CHECK(other->list_incidents(false).size() == 4);
    // A's "#4 retracted" went with A; Y's entry #4 stands.
    const auto y = model::fold(other->load_incident(2));
    REQUIRE(y.find(4));
    CHECK_FALSE(y.find(4)->retracted);
    const auto a = model::fold(other->load_incident(3));
    REQUIRE(a.find(4));
    CHECK(a.find(4)->retracted);
    CHECK(a.title == "A");
    CHECK(model::fold(other->load_incident(4)).title == "B");
    // The imported reminder follows its incident's new number.
    CHECK(other->load_incident(3).back().source.message_id == "reminder:3:sitrep:30");
    const auto next = append_now(*other, {declare("next")});
    CHECK(next.outcomes.at(0).incident_id == 5);
}

TEST_CASE("an import must hold whole incident logs") {
    const auto with = [](std::int64_t incident, std::int64_t seq, model::event_payload data,
                         std::string message = {}) {
        auto e = make_event(incident, std::move(data), std::move(message));
        e.sequence = seq;
        return e;
    };
    const auto declared = model::payload::declared{"A", model::severity::sev2};
    const auto why = model::payload::why_added{"x"};
    CHECK_FALSE(check_import(std::vector{with(1, 1, declared), with(1, 2, why)}));

    auto problem = check_import(std::vector{with(1, 1, why)});
    REQUIRE(problem);
    CHECK(problem->message == "kind: incident 1 has no declaration, so its events belong to nothing");
    problem = check_import(std::vector{with(1, 1, why), with(1, 2, declared)});
    REQUIRE(problem);
    CHECK(problem->message == "kind: incident 1 does not begin with its declaration");
    problem = check_import(std::vector{with(1, 1, declared), with(1, 3, why)});
    REQUIRE(problem);
    CHECK(problem->message == "seq: incident 1 has no event #2 before #3");
    CHECK(problem->event == 1);
    problem = check_import(std::vector{with(0, 1, declared)});
    REQUIRE(problem);
    CHECK(problem->message.starts_with("incident: 0 is not an incident number"));
    problem = check_import(std::vector{with(INT64_MAX, 1, declared)});
    REQUIRE(problem);
    CHECK(problem->message.starts_with("incident: 9223372036854775807 is not"));
    problem = check_import(std::vector{with(1, 1, declared), with(1, 2, why), with(1, 2, why)});
    REQUIRE(problem);
    CHECK(problem->message == "seq: incident 1 has event #2 twice");
    CHECK(problem->other);
    problem = check_import(std::vector{with(1, 1, declared, "m1"), with(2, 1, declared, "m1")});
    REQUIRE(problem);
    CHECK(problem->message.find("recorded twice") != std::string::npos);
    CHECK(*problem->other == 0);
    problem = check_import(std::vector{with(1, 1, declared), with(1, 2, declared)});
    REQUIRE(problem);
    CHECK(problem->message == "kind: incident 1 is declared twice");

    temp_dir dir;
    auto store = sqlite_store::open(dir.file("scribe.db"));
    CHECK_THROWS_AS(store->import_events({with(1, 1, why)}), store_error);
    CHECK(store->list_incidents(false).empty());
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
