// Markers and phases that contradict each other: kept as typed, flagged for the retro, and
// never turned into a metric.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/model/incident.hpp"

namespace scribe::model {

// One side of a conflict: a marker, a status change or a reopen, by its entry number.
struct marked_point {
    std::string_view
        what;  // "started", "detected", "mitigated", "resolved", "reopened", or a phase
    std::int64_t number = 0;
    timestamp at{};
};

struct conflict {
    enum class kind {
        // `later` should not happen before `earlier`, but does: impact started after it was
        // detected, resolved before it was mitigated.
        out_of_order,
        // The phase went back from `earlier` to `later` without a reopen.
        phase_backwards,
        // Reopened (`later`) after the last resolution (`earlier`) and not resolved since: the
        // MTTR still runs to that resolution.
        unresolved_reopen,
    };
    kind type = kind::out_of_order;
    marked_point earlier;
    marked_point later;

    bool involves(std::int64_t number) const {
        return earlier.number == number || later.number == number;
    }
};

// Every conflict in the incident's live markers and phases, in a stable order.
std::vector<conflict> find_conflicts(const incident& state);

// The conflict in words, e.g. "resolved (#4, 14:25) is earlier than mitigated (#5, 14:28)";
// `show_time` writes a time the way the caller shows times.
std::string describe(const conflict& c, const std::function<std::string(timestamp)>& show_time);

}  // namespace scribe::model
