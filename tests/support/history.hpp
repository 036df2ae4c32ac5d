// A generated history of incidents for the web view's tests and benchmark: severities,
// markers, causes, fixes, detections and action items spread over a span of time, with
// MTTR and the share of SEV1s falling as it goes on, a few incidents flagged !security or
// losing data, the last ones still open, and one whose title and link try to inject markup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bot/model/event.hpp"

namespace scribe::testing {

struct history_options {
    std::size_t incidents = 300;
    model::timestamp from{};  // the first declaration
    model::timestamp to{};    // the last declaration
    std::uint32_t seed = 7;
};

// Every event of every incident, numbered 1..n, ready for event_store::import_events.
std::vector<model::event> generated_history(const history_options& options);

}  // namespace scribe::testing
