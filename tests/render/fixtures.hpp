// Incidents for the render tests, built by folding hand-written event logs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bot/model/incident.hpp"
#include "bot/render/render.hpp"

namespace scribe::render::test {

model::timestamp utc(std::string_view iso);
model::person slack_user(std::string_view id, std::string_view name);

// An event log under construction; sequence numbers follow the order of add().
class event_log {
public:
    explicit event_log(std::int64_t incident_id) : incident_id_(incident_id) {}

    // `data` happened at `occurred` and was typed at `recorded` (default: the same moment),
    // both ISO 8601 UTC.
    event_log& add(const model::person& actor, std::string_view occurred, model::event_payload data,
                   std::string_view recorded = {});

    const std::vector<model::event>& events() const { return events_; }
    model::incident fold() const { return model::fold(events_); }

private:
    std::int64_t incident_id_;
    std::vector<model::event> events_;
};

// The people of the stories.
model::person ana();   // incident commander
model::person ben();   // the engineer who found and fixed it
model::person chen();  // comms
model::person dana();  // support, whose message gets pinned
model::person erik();  // retro facilitator

// A SEV2 checkout outage across the night the clocks go forward in Berlin (so offsets
// change from +01:00 to +02:00 mid-timeline), with every kind of material, a backdated
// entry, an edit, a retraction, SitReps, whys, lessons and actions; closed.
event_log checkout_story();
options berlin_options();  // Europe/Berlin, generated the next morning

// Only a declaration.
event_log bare_story();
options utc_options();  // UTC, generated half an hour after the declaration

}  // namespace scribe::render::test
