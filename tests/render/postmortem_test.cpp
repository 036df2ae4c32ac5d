// The postmortem draft: golden files, sections, front matter metrics, timeline corrections.
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "bot/render/render.hpp"
#include "tests/render/fixtures.hpp"
#include "tests/render/golden.hpp"

namespace scribe::render::test {
namespace {

namespace p = model::payload;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The front matter as key -> raw value; nested keys as "parent.child".
std::map<std::string, std::string> front_matter_of(const std::string& doc) {
    const auto lines = lines_of(doc);
    REQUIRE(!lines.empty());
    REQUIRE(lines[0] == "---");
    std::map<std::string, std::string> fields;
    std::string parent;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto& line = lines[i];
        if (line == "---") return fields;
        const bool nested = line.starts_with("  ");
        const auto colon = line.find(": ");
        if (colon == std::string::npos) {
            REQUIRE_MESSAGE(line.ends_with(":"), "not a YAML mapping line: ", line);
            parent = line.substr(0, line.size() - 1);
            continue;
        }
        const std::string key =
            nested ? parent + "." + line.substr(2, colon - 2) : line.substr(0, colon);
        fields[key] = line.substr(colon + 2);
    }
    FAIL("front matter not closed");
    return fields;
}

std::vector<std::string> headings_of(const std::string& doc, std::string_view prefix) {
    std::vector<std::string> out;
    for (const auto& line : lines_of(doc)) {
        if (line.starts_with(prefix)) out.push_back(line.substr(prefix.size()));
    }
    return out;
}

// The body of one "## " section, up to the next one.
std::string section_of(const std::string& doc, const std::string& heading) {
    const auto start = doc.find("\n## " + heading + "\n");
    REQUIRE_MESSAGE(start != std::string::npos, "no section ", heading);
    const auto body = start + heading.size() + 5;
    const auto end = doc.find("\n## ", body);
    return doc.substr(body, end == std::string::npos ? std::string::npos : end - body);
}

// Whether `needle` occurs in `line` other than right after a backslash escape.
bool has_unescaped(const std::string& line, std::string_view needle) {
    for (auto at = line.find(needle); at != std::string::npos; at = line.find(needle, at + 1)) {
        if (at == 0 || line[at - 1] != '\\') return true;
    }
    return false;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

const std::vector<std::string> all_headings = {"At a glance",
                                               "Summary",
                                               "Roles",
                                               "Impact",
                                               "What stopped working",
                                               "Why it stopped working",
                                               "How we fixed it",
                                               "What led to it breaking",
                                               "Timeline",
                                               "SitReps",
                                               "Lessons learned",
                                               "Action items",
                                               "Bar raiser"};

}  // namespace

TEST_CASE("postmortem of the checkout story matches its golden file") {
    const auto incident = checkout_story().fold();
    check_golden("postmortem_checkout.md", postmortem_markdown(incident, berlin_options()));
}

TEST_CASE("postmortem of a bare incident matches its golden file") {
    const auto incident = bare_story().fold();
    check_golden("postmortem_bare.md", postmortem_markdown(incident, utc_options()));
}

TEST_CASE("a bare incident has every section, and the empty ones ask for material") {
    const auto doc = postmortem_markdown(bare_story().fold(), utc_options());
    CHECK(headings_of(doc, "# ") == std::vector<std::string>{"Payment webhooks delayed"});
    CHECK(headings_of(doc, "## ") == all_headings);
    CHECK(headings_of(doc, "### ") ==
          std::vector<std::string>{"What helped", "What slowed us down",
                                   "What we could have done differently", "What we know now"});

    for (const auto* heading : {"Impact", "Why it stopped working", "How we fixed it",
                                "What led to it breaking", "SitReps", "Action items"}) {
        CAPTURE(heading);
        const auto body = section_of(doc, heading);
        CHECK(body.find("_Nothing recorded yet. Bring to the retro: ") != std::string::npos);
        CHECK(body.find("(`!") != std::string::npos);  // and the command that records it
    }
    const auto lessons = section_of(doc, "Lessons learned");
    CHECK(lessons.find("(`!lesson helped <text>`)") != std::string::npos);
    CHECK(lessons.find("(`!lesson slowed <text>`)") != std::string::npos);
    CHECK(lessons.find("(`!lesson differently <text>`)") != std::string::npos);
    CHECK(lessons.find("(`!lesson learned <text>`)") != std::string::npos);
    CHECK(section_of(doc, "What stopped working").find("Bring to the retro") != std::string::npos);

    const auto facts = section_of(doc, "At a glance");
    CHECK(facts.find("| Mitigated | not recorded — `!mitigated [time]` |") != std::string::npos);
    CHECK(facts.find("| Time to resolve (MTTR) | not recorded — `!resolved [time]` |") !=
          std::string::npos);
    CHECK(facts.find("| Origin of fault | not recorded — `!cause <origin> <text>` |") !=
          std::string::npos);
    CHECK(section_of(doc, "Roles")
              .find("| Incident commander | _not assigned_ — `!role ic <user>` |") !=
          std::string::npos);
    CHECK(doc.find("## Security") == std::string::npos);
}

TEST_CASE("front matter metrics are the markers' differences, in seconds") {
    const auto incident = checkout_story().fold();
    const auto fm = front_matter_of(postmortem_markdown(incident, berlin_options()));

    REQUIRE(incident.marks.started);
    REQUIRE(incident.marks.detected);
    REQUIRE(incident.marks.mitigated);
    REQUIRE(incident.marks.resolved);
    REQUIRE(incident.marks.closed);
    const auto seconds = [](model::duration d) {
        return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
    };
    const auto& m = incident.marks;
    CHECK(fm.at("started_at") == quoted(model::format_utc(m.started->at)));
    CHECK(fm.at("detected_at") == quoted(model::format_utc(m.detected->at)));
    CHECK(fm.at("mitigated_at") == quoted(model::format_utc(m.mitigated->at)));
    CHECK(fm.at("resolved_at") == quoted(model::format_utc(m.resolved->at)));
    CHECK(fm.at("closed_at") == quoted(model::format_utc(m.closed->at)));
    CHECK(fm.at("mttd_seconds") == seconds(m.detected->at - m.started->at));
    CHECK(fm.at("mttm_seconds") == seconds(m.mitigated->at - m.started->at));
    CHECK(fm.at("mttr_seconds") == seconds(m.resolved->at - m.started->at));
    CHECK(fm.at("mttd_seconds") == "420");
    CHECK(fm.at("mttr_seconds") == "4320");

    CHECK(fm.at("id") == "42");
    CHECK(fm.at("severity") == "\"sev2\"");
    CHECK(fm.at("phase") == "\"closed\"");
    CHECK(fm.at("origin") == "\"code-change\"");
    CHECK(fm.at("resolution") == "\"rollback\"");
    CHECK(fm.at("detection") == "\"monitoring\"");
    CHECK(fm.at("action_items.total") == "3");
    CHECK(fm.at("action_items.open") == "2");
    CHECK(fm.at("action_items.done") == "1");
    CHECK(fm.at("security") == "false");
    CHECK(fm.at("generated_at") == "\"2026-03-30T08:00:00.000Z\"");
}

TEST_CASE("front matter says null for what is not recorded") {
    const auto fm = front_matter_of(postmortem_markdown(bare_story().fold(), utc_options()));
    CHECK(fm.at("started_at") == "\"2026-11-21T14:05:00.000Z\"");  // the declaration
    for (const auto* key :
         {"detected_at", "mitigated_at", "resolved_at", "closed_at", "mttd_seconds", "mttm_seconds",
          "mttr_seconds", "origin", "resolution", "detection"}) {
        CAPTURE(key);
        CHECK(fm.at(key) == "null");
    }
    CHECK(fm.at("action_items.total") == "0");
}

TEST_CASE("the timeline is chronological: a backdated entry sorts before later ones") {
    const auto doc = postmortem_markdown(checkout_story().fold(), berlin_options());
    const auto timeline = section_of(doc, "Timeline");
    std::vector<std::string> numbers;
    for (const auto& line : lines_of(timeline)) {
        if (!line.starts_with("| ") || line.starts_with("| Time")) continue;
        const auto first = line.find(" | ");
        const auto second = line.find(" | ", first + 3);
        numbers.push_back(line.substr(first + 3, second - first - 3));
    }
    // #8 happened at 00:31 but was typed at 00:58; #4 and #5 are backdated markers.
    const std::vector<std::string> expected = {"8",  "4",  "5",  "7",  "1",  "2",  "3",  "6", "9",
                                               "10", "13", "14", "15", "16", "21", "33", "34"};
    CHECK(numbers == expected);
    CHECK(timeline.find(
              "| 2026-03-29 01:31 +01:00 | 8 | Ben Okafor | note | Deploy 2026.03.28-3 of "
              "checkout-api finished _(recorded 01:58 +01:00)_ |") != std::string::npos);
    // The clocks went forward at 02:00 local: later rows carry the new offset.
    CHECK(timeline.find("| 03:10 +02:00 | 13 |") != std::string::npos);
}

TEST_CASE("ties in the timeline are broken by number") {
    auto log = bare_story();
    log.add(ben(), "2026-11-21T14:10:00Z",
            p::entry_added{model::entry_type::note, "second", {}, {}, {}})
        .add(ben(), "2026-11-21T14:10:00Z",
             p::entry_added{model::entry_type::note, "third", {}, {}, {}})
        .add(ben(), "2026-11-21T14:09:00Z",
             p::entry_added{model::entry_type::note, "first", {}, {}, {}}, "2026-11-21T14:10:00Z");
    const auto timeline = section_of(postmortem_markdown(log.fold(), utc_options()), "Timeline");
    const auto first = timeline.find("| 4 | Ben Okafor | note | first");
    const auto second = timeline.find("| 2 | Ben Okafor | note | second");
    const auto third = timeline.find("| 3 | Ben Okafor | note | third");
    REQUIRE(first != std::string::npos);
    CHECK(first < second);
    CHECK(second < third);
}

TEST_CASE("edits and retractions stay visible in the timeline and nowhere else") {
    auto log = checkout_story();
    // Retract a lesson and an action: they leave their sections and the counts.
    log.add(ben(), "2026-03-29T02:11:00Z", p::entry_retracted{28})
        .add(ana(), "2026-03-29T02:12:00Z", p::entry_retracted{31});
    const auto doc = postmortem_markdown(log.fold(), berlin_options());
    const auto timeline = section_of(doc, "Timeline");

    CHECK(timeline.find("Error rate on checkout-api at 38%, only eu-west-1 pods _(edited 03:01 "
                        "+02:00 by Ben Okafor; was: \"Error rate on checkout-api at 38%, only "
                        "eu-west pods\")_") != std::string::npos);
    CHECK(
        timeline.find("~~Cache flushed on payments-db~~ _(retracted 03:28 +02:00 by Dana Kim)_") !=
        std::string::npos);
    CHECK(doc.find("Cache flushed") == doc.rfind("Cache flushed"));  // only in the timeline

    CHECK(section_of(doc, "Lessons learned").find("queues silently") == std::string::npos);
    CHECK(section_of(doc, "Action items").find("pool saturation") == std::string::npos);
    const auto fm = front_matter_of(doc);
    CHECK(fm.at("action_items.total") == "2");
    CHECK(fm.at("action_items.open") == "1");
}

TEST_CASE("a retracted marker leaves the metrics, and the draft says it is missing") {
    auto log = checkout_story();
    log.add(ana(), "2026-03-29T02:11:00Z", p::entry_retracted{15});  // the mitigated marker
    const auto doc = postmortem_markdown(log.fold(), berlin_options());
    const auto fm = front_matter_of(doc);
    CHECK(fm.at("mitigated_at") == "null");
    CHECK(fm.at("mttm_seconds") == "null");
    CHECK(section_of(doc, "At a glance")
              .find("| Time to mitigate | not recorded — `!mitigated [time]` |") !=
          std::string::npos);
    CHECK(section_of(doc, "Summary").find("Not recorded yet: mitigated.") != std::string::npos);
}

TEST_CASE("the security section appears only when the incident is flagged") {
    auto log = bare_story();
    CHECK(postmortem_markdown(log.fold(), utc_options()).find("## Security") == std::string::npos);

    log.add(ana(), "2026-11-21T14:20:00Z", p::security_flagged{"Webhook secrets were logged"});
    const auto doc = postmortem_markdown(log.fold(), utc_options());
    CHECK(front_matter_of(doc).at("security") == "true");
    const auto headings = headings_of(doc, "## ");
    REQUIRE(headings.size() >= 2);
    CHECK(headings[headings.size() - 2] == "Security");
    CHECK(section_of(doc, "Security").find("- Webhook secrets were logged _(#2, Ana Lopez)_") !=
          std::string::npos);

    log.add(ana(), "2026-11-21T14:21:00Z", p::entry_retracted{2});
    CHECK(postmortem_markdown(log.fold(), utc_options()).find("## Security") == std::string::npos);
}

TEST_CASE("an open incident's summary says how long it has lasted") {
    auto log = bare_story();
    log.add(ana(), "2026-11-21T14:06:00Z", p::detected{model::detection::customer});
    const auto summary = section_of(postmortem_markdown(log.fold(), utc_options()), "Summary");
    CHECK(summary.find("**SEV3** incident, still open (**investigating**). Impact began "
                       "2026-11-21 14:05 +00:00. When this draft was made it had lasted 30m 00s. "
                       "Detected after 1m 00s (customer report). Not recorded yet: mitigated "
                       "and resolved.") != std::string::npos);
    CHECK(summary.find("**Impact:** not recorded yet (`!impact <text>`).") != std::string::npos);
}

TEST_CASE("user text cannot break the front matter, headings, tables or links") {
    const std::string evil =
        "Evil \"\n---\nowned: true\n# heading | pipe | <script>alert(1)</script> "
        "[x](javascript:alert(1)) \\";
    auto log = event_log(9);
    const auto mallory = slack_user("U66", "<img src=x onerror=alert(1)> | *M*");
    log.add(mallory, "2026-11-21T14:05:00Z", p::declared{evil, model::severity::sev1})
        .add(mallory, "2026-11-21T14:06:00Z",
             p::entry_added{model::entry_type::note, evil, {}, {}, {}})
        .add(mallory, "2026-11-21T14:07:00Z",
             p::entry_added{model::entry_type::link, "click me", {}, "javascript:alert(1)", {}})
        .add(mallory, "2026-11-21T14:08:00Z", p::impact_set{"\n## Injected section\n- item"})
        .add(mallory, "2026-11-21T14:09:00Z", p::action_added{mallory, evil, std::nullopt});
    const auto doc = postmortem_markdown(log.fold(), utc_options());

    const auto fm = front_matter_of(doc);
    CHECK(fm.count("owned") == 0);
    CHECK(fm.at("title") ==
          "\"Evil \\\"\\n---\\nowned: true\\n# heading | pipe | <script>alert(1)</script> "
          "[x](javascript:alert(1)) \\\\\"");

    CHECK(headings_of(doc, "# ").size() == 1);
    CHECK(headings_of(doc, "## ") == all_headings);
    const auto body = doc.substr(doc.find("\n---\n") + 5);
    for (const auto& line : lines_of(body)) {
        CAPTURE(line);
        CHECK(line.find("<script") == std::string::npos);
        CHECK(line.find("<img") == std::string::npos);
        CHECK_FALSE(has_unescaped(line, "](javascript:"));
        CHECK_FALSE(line.starts_with("- item"));
        if (line.starts_with("|")) {
            // Unescaped pipes delimit cells: every row of a table has as many as its header.
            std::size_t pipes = 0;
            for (std::size_t i = 0; i < line.size(); ++i) {
                if (line[i] == '\\') {
                    ++i;
                } else if (line[i] == '|') {
                    ++pipes;
                }
            }
            CHECK((pipes == 3 || pipes == 6 || pipes == 8));
        }
    }
    CHECK(doc.find("click me (javascript:alert(1))") != std::string::npos);
    CHECK(doc.find("&lt;script&gt;") != std::string::npos);
}

}  // namespace scribe::render::test

namespace scribe::render::test {

TEST_CASE("a detection before the declaration starts the impact, and the draft says so") {
    event_log log(3);
    log.add(ana(), "2026-11-21T14:00:00Z", p::declared{"Sync down", model::severity::sev2})
        .add(ana(), "2026-11-21T13:20:00Z", p::detected{model::detection::monitoring},
             "2026-11-21T14:01:00Z");
    const auto doc = postmortem_markdown(log.fold(), utc_options());
    const auto facts = front_matter_of(doc);
    CHECK(facts.at("started_at") == quoted("2026-11-21T13:20:00.000Z"));
    CHECK(facts.at("mttd_seconds") == "0");
    CHECK(section_of(doc, "At a glance").find("the detected marker (#2), the earliest") !=
          std::string::npos);
    CHECK(doc.find("-0s") == std::string::npos);
    CHECK(doc.find("after -") == std::string::npos);
}

TEST_CASE("conflicting markers are kept, give no figure, and go to the retro") {
    event_log log(3);
    log.add(ana(), "2026-11-21T14:00:00Z", p::declared{"Sync down", model::severity::sev2})
        .add(ana(), "2026-11-21T14:05:00Z", p::detected{model::detection::monitoring})
        .add(ben(), "2026-11-21T14:10:00Z", p::started_marked{})
        .add(ben(), "2026-11-21T14:25:00Z", p::status_changed{model::phase::resolved})
        .add(ben(), "2026-11-21T14:28:00Z", p::status_changed{model::phase::mitigated});
    const auto doc = postmortem_markdown(log.fold(), utc_options());
    const auto facts = front_matter_of(doc);
    CHECK(facts.at("mttd_seconds") == "null");
    CHECK(facts.at("mttr_seconds") == "900");
    const auto glance = section_of(doc, "At a glance");
    CHECK(glance.find("Bring to the retro: these markers contradict each other") !=
          std::string::npos);
    CHECK(glance.find("detected (#2, 14:05 +00:00) is earlier than impact started (#3, 14:10 "
                      "+00:00)") != std::string::npos);
    CHECK(glance.find("resolved (#4, 14:25 +00:00) is earlier than mitigated (#5, 14:28 "
                      "+00:00)") != std::string::npos);
    CHECK(glance.find("not computed") != std::string::npos);
    CHECK(section_of(doc, "Summary").find("Recorded before the impact start, so not computed: "
                                          "detected") != std::string::npos);
    const auto agenda = agenda_markdown(log.fold(), utc_options());
    CHECK(agenda.find("The markers disagree: detected (#2") != std::string::npos);
}

TEST_CASE("a flapping incident shows every resolution, and the MTTR runs to the last") {
    event_log log(3);
    log.add(ana(), "2026-11-21T14:00:00Z", p::declared{"Sync down", model::severity::sev2})
        .add(ana(), "2026-11-21T14:30:00Z", p::status_changed{model::phase::resolved})
        .add(ana(), "2026-11-21T14:35:00Z", p::status_changed{model::phase::closed})
        .add(ana(), "2026-11-21T15:00:00Z", p::reopened{})
        .add(ana(), "2026-11-21T15:20:00Z", p::status_changed{model::phase::resolved})
        .add(ana(), "2026-11-21T15:25:00Z", p::status_changed{model::phase::closed});
    const auto doc = postmortem_markdown(log.fold(), utc_options());
    CHECK(front_matter_of(doc).at("mttr_seconds") == "4800");
    CHECK(front_matter_of(doc).at("resolved_at") == quoted("2026-11-21T15:20:00.000Z"));
    CHECK(section_of(doc, "At a glance")
              .find("(the last; it was also resolved at 14:30 +00:00 (#2), then reopened)") !=
          std::string::npos);
}

}  // namespace scribe::render::test
