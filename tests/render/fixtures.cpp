// The render tests' incidents: fixed times, fixed people, events written out by hand.
#include "tests/render/fixtures.hpp"

#include <doctest/doctest.h>

#include "bot/model/zone.hpp"

namespace scribe::render::test {

namespace p = model::payload;

model::timestamp utc(std::string_view iso) {
    const auto t = model::parse_utc(iso);
    REQUIRE_MESSAGE(t.has_value(), "bad test timestamp ", iso);
    return *t;
}

model::person slack_user(std::string_view id, std::string_view name) {
    return {"slack", std::string(id), std::string(name)};
}

model::person ana() { return slack_user("U01ANA", "Ana Lopez"); }
model::person ben() { return slack_user("U02BEN", "Ben Okafor"); }
model::person chen() { return slack_user("U03CHEN", "Chen Wei"); }
model::person dana() { return slack_user("U04DANA", "Dana Kim"); }
model::person erik() { return slack_user("U05ERIK", "Erik Sand"); }

event_log& event_log::add(const model::person& actor, std::string_view occurred,
                          model::event_payload data, std::string_view recorded) {
    model::event e;
    e.incident_id = incident_id_;
    e.sequence = static_cast<std::int64_t>(events_.size()) + 1;
    e.occurred_at = utc(occurred);
    e.recorded_at = utc(recorded.empty() ? occurred : recorded);
    e.actor = actor;
    e.source = {"slack", "C0INC42", "m" + std::to_string(e.sequence), 0};
    e.data = std::move(data);
    events_.push_back(std::move(e));
    return *this;
}

event_log checkout_story() {
    using model::entry_type;
    event_log log(42);
    // 1-5: declared as SEV3, roles, then the start and detection backdated.
    log.add(ana(), "2026-03-29T00:52:00Z",
            p::declared{"Checkout returns 502 for EU customers", model::severity::sev3})
        .add(ana(), "2026-03-29T00:52:30Z", p::role_assigned{"ic", ana()})
        .add(ana(), "2026-03-29T00:53:00Z", p::role_assigned{"comms", chen()})
        .add(ana(), "2026-03-29T00:38:00Z", p::started_marked{}, "2026-03-29T00:54:00Z")
        .add(ana(), "2026-03-29T00:45:00Z", p::detected{model::detection::monitoring},
             "2026-03-29T00:54:20Z");
    // 6-11: investigation; a pinned support message, a backdated deploy, a link, an edit.
    log.add(ben(), "2026-03-29T00:55:00Z",
            p::entry_added{entry_type::note,
                           "Error rate on checkout-api at 38%, only eu-west pods",
                           {},
                           {},
                           {}})
        .add(ana(), "2026-03-29T00:50:00Z",
             p::entry_added{entry_type::pinned,
                            "Support: 40+ tickets about failed payments in the last 20 minutes",
                            dana(),
                            {},
                            "https://acme.slack.com/archives/C0INC42/p1774745400000100"},
             "2026-03-29T00:57:00Z")
        .add(ben(), "2026-03-29T00:31:00Z",
             p::entry_added{
                 entry_type::note, "Deploy 2026.03.28-3 of checkout-api finished", {}, {}, {}},
             "2026-03-29T00:58:00Z")
        .add(ana(), "2026-03-29T00:59:00Z", p::severity_changed{model::severity::sev2})
        .add(ben(), "2026-03-29T01:00:00Z",
             p::entry_added{entry_type::link,
                            "Grafana: checkout-api errors by region",
                            {},
                            "https://grafana.acme.example/d/checkout?orgId=1&var-region=eu-west-1",
                            {}})
        .add(ben(), "2026-03-29T01:01:00Z",
             p::entry_edited{6, "Error rate on checkout-api at 38%, only eu-west-1 pods"});
    // 12-17: SitRep, rollback, mitigation, and an entry withdrawn as wrong.
    log.add(chen(), "2026-03-29T01:05:00Z",
            p::sitrep_posted{"Investigating 502s on checkout for EU customers",
                             "EU customers cannot complete payment",
                             "Roll back checkout-api to the previous release",
                             std::chrono::minutes{30}})
        .add(ben(), "2026-03-29T01:10:00Z",
             p::entry_added{
                 entry_type::note, "Rolling back checkout-api to 2026.03.27-1", {}, {}, {}})
        .add(ben(), "2026-03-29T01:24:00Z",
             p::entry_added{
                 entry_type::note, "Rollback complete; error rate back under 1%", {}, {}, {}})
        .add(ana(), "2026-03-29T01:26:00Z", p::status_changed{model::phase::mitigated})
        .add(dana(), "2026-03-29T01:27:00Z",
             p::entry_added{entry_type::note, "Cache flushed on payments-db", {}, {}, {}})
        .add(dana(), "2026-03-29T01:28:00Z", p::entry_retracted{16});
    // 18-25: the postmortem's raw material, resolution, and the last SitRep.
    log.add(ana(), "2026-03-29T01:40:00Z",
            p::impact_set{"About 1,900 checkout attempts by EU customers failed over 48 "
                          "minutes; no orders or payment data were lost."})
        .add(ben(), "2026-03-29T01:45:00Z",
             p::cause_noted{model::cause_origin::code_change,
                            "Release 2026.03.28-3 lowered the payment client's connection pool "
                            "from 50 to 5; under the nightly subscription-renewal batch, "
                            "requests queued until the gateway timed out."})
        .add(ben(), "2026-03-29T01:46:00Z",
             p::resolution_noted{model::resolution_type::rollback,
                                 "Rolled checkout-api back to 2026.03.27-1. Release 2026.03.29-1 "
                                 "restores the pool size and goes out after review."})
        .add(ana(), "2026-03-29T01:50:00Z", p::status_changed{model::phase::resolved})
        .add(ben(), "2026-03-29T01:52:00Z",
             p::why_added{"The release set the payment client's pool size to 5 connections."})
        .add(ben(), "2026-03-29T01:53:00Z",
             p::why_added{"The pool size moved from per-environment config into a code "
                          "default, and the default was copied from staging."})
        .add(ana(), "2026-03-29T01:54:00Z",
             p::why_added{"No check compares pool sizes against production traffic before a "
                          "release."})
        .add(chen(), "2026-03-29T01:55:00Z",
             p::sitrep_posted{"Resolved: rollback complete, checkout healthy",
                              "None since the rollback", "Postmortem draft on Monday",
                              std::nullopt});
    // 26-34: lessons, actions (one done), the facilitator, and the close.
    using std::chrono::April;
    log.add(ana(), "2026-03-29T02:00:00Z",
            p::lesson_added{model::lesson_kind::helped,
                            "The error-rate alert paged within 7 minutes of impact."})
        .add(ben(), "2026-03-29T02:01:00Z",
             p::lesson_added{model::lesson_kind::slowed,
                             "The deploy log was not linked from the checkout dashboard; finding "
                             "the release took 15 minutes."})
        .add(ben(), "2026-03-29T02:02:00Z",
             p::lesson_added{model::lesson_kind::learned,
                             "The payment client queues silently when its pool is exhausted."})
        .add(ben(), "2026-03-29T02:03:00Z",
             p::action_added{ben(), "Check connection pool sizes against production limits in CI",
                             std::chrono::year{2026} / April / 10})
        .add(ana(), "2026-03-29T02:03:30Z",
             p::action_added{dana(), "Link the deploy log from the checkout dashboard",
                             std::chrono::year{2026} / April / 3})
        .add(ana(), "2026-03-29T02:04:00Z",
             p::action_added{ana(), "Alert on payment client pool saturation", std::nullopt})
        .add(dana(), "2026-03-29T02:05:00Z", p::action_updated{30, model::action_status::done})
        .add(ana(), "2026-03-29T02:06:00Z", p::role_assigned{"facilitator", erik()})
        .add(ana(), "2026-03-29T02:10:00Z", p::status_changed{model::phase::closed});
    return log;
}

options berlin_options() {
    return {*model::zone::locate("Europe/Berlin"), utc("2026-03-30T08:00:00Z")};
}

event_log bare_story() {
    event_log log(7);
    log.add(ana(), "2026-11-21T14:05:00Z",
            p::declared{"Payment webhooks delayed", model::severity::sev3});
    return log;
}

options utc_options() { return {model::zone::utc(), utc("2026-11-21T14:35:00Z")}; }

}  // namespace scribe::render::test
