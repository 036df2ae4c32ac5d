// The next reminder of an incident, from its stored state alone.
#include "bot/model/reminders.hpp"

#include <algorithm>

namespace scribe::model {
namespace {

// The most recently posted SitRep that was not retracted.
const sitrep* last_sitrep(const incident& state) {
    const sitrep* last = nullptr;
    for (const auto& s : state.sitreps) {
        if (!s.retracted && (!last || s.happened_at >= last->happened_at)) last = &s;
    }
    return last;
}

std::optional<due_reminder> sitrep_reminder(const incident& state, const reminder_policy& policy) {
    if (!state.is_open() || state.current == phase::resolved) return std::nullopt;
    const auto interval = policy.sitrep_every.find(state.level);
    if (interval == policy.sitrep_every.end() || interval->second <= duration::zero()) {
        return std::nullopt;
    }
    const sitrep* last = last_sitrep(state);
    const timestamp base = last ? last->happened_at : state.declared_at;
    const duration first_wait =
        last && last->next_update ? *last->next_update : interval->second;
    timestamp due = base + first_wait;
    if (state.sitrep_reminded && state.sitrep_reminded->due >= due) {
        // Counted from when it was sent: one sent late (the bot was down) is not followed at
        // once by the next.
        due = std::max(state.sitrep_reminded->due, state.sitrep_reminded->at) + interval->second;
    }
    return due_reminder{reminder_kind::sitrep, due};
}

std::optional<due_reminder> close_reminder(const incident& state, const reminder_policy& policy) {
    if (!policy.close_after || state.current != phase::resolved || !state.marks.resolved ||
        state.close_reminded) {
        return std::nullopt;
    }
    return due_reminder{reminder_kind::close, state.marks.resolved->at + *policy.close_after};
}

}  // namespace

std::optional<due_reminder> next_reminder(const incident& state, const reminder_policy& policy) {
    if (!state.reminders_enabled || !state.is_open()) return std::nullopt;
    auto sitrep = sitrep_reminder(state, policy);
    auto close = close_reminder(state, policy);
    if (sitrep && close) return sitrep->due <= close->due ? sitrep : close;
    return sitrep ? sitrep : close;
}

}  // namespace scribe::model
