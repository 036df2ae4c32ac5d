// Finding markers and phases that contradict each other.
#include "bot/model/conflicts.hpp"

#include <algorithm>
#include <optional>

namespace scribe::model {
namespace {

// The order of the phases an incident moves through; closing is not among them.
int rank(phase p) { return static_cast<int>(p); }

std::optional<marked_point> point(std::string_view what, const std::optional<marker>& m) {
    if (!m) return std::nullopt;
    return marked_point{what, m->number, m->at};
}

void out_of_order(const std::optional<marked_point>& earlier,
                  const std::optional<marked_point>& later, std::vector<conflict>& out) {
    if (earlier && later && later->at < earlier->at) {
        out.push_back({conflict::kind::out_of_order, *earlier, *later});
    }
}

bool already_flagged(const std::vector<conflict>& found, std::int64_t a, std::int64_t b) {
    return std::any_of(found.begin(), found.end(),
                       [&](const conflict& c) { return c.involves(a) && c.involves(b); });
}

}  // namespace

std::vector<conflict> find_conflicts(const incident& state) {
    const auto& marks = state.marks;
    const auto started = point("started", marks.started);
    const auto detected = point("detected", marks.detected);
    const auto mitigated = point("mitigated", marks.mitigated);
    const auto resolved = point("resolved", marks.resolved);

    std::vector<conflict> found;
    out_of_order(started, detected, found);
    out_of_order(started, mitigated, found);
    out_of_order(started, resolved, found);
    out_of_order(detected, resolved, found);
    out_of_order(mitigated, resolved, found);

    // Status changes since the last reopen, in the order they happened.
    std::vector<const timeline_entry*> phases;
    for (const auto& entry : state.timeline) {
        if (entry.retracted) continue;
        if (entry.reopens) phases.clear();
        if (entry.phase_to && *entry.phase_to != phase::closed) phases.push_back(&entry);
    }
    std::stable_sort(phases.begin(), phases.end(), [](const auto* a, const auto* b) {
        return std::pair(a->happened_at, a->number) < std::pair(b->happened_at, b->number);
    });
    for (std::size_t i = 1; i < phases.size(); ++i) {
        const auto* before = phases[i - 1];
        const auto* after = phases[i];
        if (rank(*after->phase_to) >= rank(*before->phase_to) ||
            already_flagged(found, before->number, after->number)) {
            continue;
        }
        found.push_back({conflict::kind::phase_backwards,
                         {to_string(*before->phase_to), before->number, before->happened_at},
                         {to_string(*after->phase_to), after->number, after->happened_at}});
    }

    if (resolved && !marks.reopened.empty() && marks.reopened.back().number > resolved->number) {
        const auto& reopen = marks.reopened.back();
        found.push_back(
            {conflict::kind::unresolved_reopen, *resolved, {"reopened", reopen.number, reopen.at}});
    }
    return found;
}

std::string describe(const conflict& c, const std::function<std::string(timestamp)>& show_time) {
    const auto label = [](const marked_point& p) {
        return std::string(p.what == "started" ? "impact started" : p.what);
    };
    const auto point_text = [&](const marked_point& p) {
        return label(p) + " (#" + std::to_string(p.number) + ", " + show_time(p.at) + ")";
    };
    switch (c.type) {
        case conflict::kind::out_of_order:
            return point_text(c.later) + " is earlier than " + point_text(c.earlier);
        case conflict::kind::phase_backwards:
            return "the status went back from " + point_text(c.earlier) + " to " +
                   point_text(c.later);
        case conflict::kind::unresolved_reopen:
            return point_text(c.later) + " after it was resolved (#" +
                   std::to_string(c.earlier.number) + ", " + show_time(c.earlier.at) +
                   ") and not resolved since: the MTTR runs to #" +
                   std::to_string(c.earlier.number);
    }
    return {};
}

}  // namespace scribe::model
