// What a closed incident takes, and who may correct an entry.
#include "bot/model/rules.hpp"

#include <algorithm>

#include "bot/model/overloaded.hpp"

namespace scribe::model {

bool accepts_when_closed(const event_payload& data) {
    return std::visit(overloaded{
                          [](const payload::role_assigned&) { return true; },
                          [](const payload::title_set&) { return true; },
                          [](const payload::impact_set&) { return true; },
                          [](const payload::cause_noted&) { return true; },
                          [](const payload::resolution_noted&) { return true; },
                          [](const payload::why_added&) { return true; },
                          [](const payload::lesson_added&) { return true; },
                          [](const payload::action_added&) { return true; },
                          [](const payload::action_updated&) { return true; },
                          [](const payload::entry_edited&) { return true; },
                          [](const payload::entry_retracted&) { return true; },
                          [](const payload::security_flagged&) { return true; },
                          [](const payload::data_lost&) { return true; },
                          [](const auto&) { return false; },
                      },
                      data);
}

bool same_person(const person& a, const person& b) {
    return a.platform == b.platform && a.id == b.id;
}

std::vector<corrector> correctors(const incident& state, std::int64_t number) {
    std::vector<corrector> out;
    const auto add = [&](const person& who, std::string because) {
        if (who.id.empty()) return;
        const bool known = std::any_of(out.begin(), out.end(),
                                       [&](const corrector& c) { return same_person(c.who, who); });
        if (!known) out.push_back({who, std::move(because)});
    };
    if (const recorded_item* item = state.find(number)) add(item->recorded_by, "who recorded it");
    for (const auto& entry : state.timeline) {
        if (entry.number == number && entry.kind == timeline_kind::pinned) {
            add(entry.author, "who wrote it");
        }
    }
    const auto ic = state.roles.find("ic");
    add(ic != state.roles.end() ? ic->second : state.declared_by, "incident commander");
    if (const auto scribe = state.roles.find("scribe"); scribe != state.roles.end()) {
        add(scribe->second, "scribe");
    }
    return out;
}

bool may_correct(const incident& state, std::int64_t number, const person& who) {
    const auto allowed = correctors(state, number);
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const corrector& c) { return same_person(c.who, who); });
}

}  // namespace scribe::model
