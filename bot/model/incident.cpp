// Folding the event log into an incident, and the metrics derived from its markers.
#include "bot/model/incident.hpp"

#include <algorithm>
#include <type_traits>

#include "bot/model/overloaded.hpp"

namespace scribe::model {
namespace {

std::string role_label(const std::string& role) {
    if (role == "ic") return "incident commander";
    return role;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

template <class Item>
Item recorded(const event& e) {
    Item item;
    item.number = e.sequence;
    item.happened_at = e.occurred_at;
    item.recorded_at = e.recorded_at;
    item.recorded_by = e.actor;
    item.source = e.source;
    return item;
}

timeline_entry system_entry(const event& e, timeline_kind kind, std::string text) {
    auto entry = recorded<timeline_entry>(e);
    entry.kind = kind;
    entry.text = std::move(text);
    entry.author = e.actor;
    return entry;
}

// Every kind of recorded item, visited with a mutable pointer; stops at the first match.
template <class F>
bool visit_item(incident& s, std::int64_t number, F&& f) {
    auto try_range = [&](auto& range) {
        for (auto& item : range) {
            if (item.number == number) {
                f(item);
                return true;
            }
        }
        return false;
    };
    auto try_optional = [&](auto& opt) {
        if (opt && opt->number == number) {
            f(*opt);
            return true;
        }
        return false;
    };
    return try_range(s.timeline) || try_range(s.sitreps) || try_range(s.whys) ||
           try_range(s.lessons) || try_range(s.actions) || try_range(s.security_notes) ||
           try_range(s.data_loss_notes) || try_optional(s.impact) || try_optional(s.cause) ||
           try_optional(s.resolution);
}

// Closing and reopening go by recording order: a close ends whatever came before it. Since
// the last reopen, the phase is that of the status entry that happened last, so a backdated
// marker fills in the past instead of moving the phase back. Of each marker the latest
// recorded one wins, which is how a marker is corrected.
void recompute_phase_and_markers(incident& s) {
    markers marks;
    std::vector<const timeline_entry*> since_reopen;
    for (const auto& entry : s.timeline) {
        if (entry.retracted) continue;
        const marker m{entry.number, entry.happened_at};
        if (entry.reopens) {
            marks.closed.reset();
            marks.reopened.push_back(m);
            if (marks.resolved && (marks.earlier_resolutions.empty() ||
                                   marks.earlier_resolutions.back().number != marks.resolved->number)) {
                marks.earlier_resolutions.push_back(*marks.resolved);
            }
            since_reopen.clear();
            continue;
        }
        if (entry.marker == "started") marks.started = m;
        if (entry.marker == "detected") marks.detected = m;
        if (entry.marker == "mitigated") marks.mitigated = m;
        if (entry.marker == "resolved") marks.resolved = m;
        if (entry.phase_to == phase::closed) {
            marks.closed = m;
        } else if (entry.phase_to) {
            since_reopen.push_back(&entry);
        }
    }
    // The last resolution is not an earlier one, even when a reopen followed it.
    if (marks.resolved && !marks.earlier_resolutions.empty() &&
        marks.earlier_resolutions.back().number == marks.resolved->number) {
        marks.earlier_resolutions.pop_back();
    }
    const auto latest = std::max_element(
        since_reopen.begin(), since_reopen.end(), [](const timeline_entry* a, const timeline_entry* b) {
            return std::pair(a->happened_at, a->number) < std::pair(b->happened_at, b->number);
        });
    s.current = marks.closed               ? phase::closed
                : latest != since_reopen.end() ? *(*latest)->phase_to
                                               : phase::investigating;
    s.marks = std::move(marks);
}

void apply_text_edit(incident& s, const event& e, const payload::entry_edited& p) {
    auto replace = [&](auto& item) {
        using item_t = std::remove_reference_t<decltype(item)>;
        if constexpr (std::is_base_of_v<text_item, item_t> ||
                      std::is_same_v<item_t, timeline_entry>) {
            if (item.retracted) return;
            item.history.push_back({e.sequence, e.recorded_at, e.actor, item.text});
            item.text = p.text;
        }
    };
    if (!is_editable(s, p.target)) return;
    visit_item(s, p.target, replace);
}

void apply_retraction(incident& s, const event& e, const payload::entry_retracted& p) {
    if (!is_retractable(s, p.target)) return;
    visit_item(s, p.target, [&](recorded_item& item) {
        if (!item.retracted) item.retracted = retraction{e.sequence, e.recorded_at, e.actor};
    });
    recompute_phase_and_markers(s);
}

std::string marker_text(std::string_view marker, const payload::detected* how) {
    if (marker == "started") return "Impact started";
    if (marker == "detected") {
        if (how && how->how != detection::unknown) {
            return "Detected (" + std::string(describe(how->how)) + ")";
        }
        return "Detected";
    }
    if (marker == "mitigated") return "Mitigated";
    if (marker == "resolved") return "Resolved";
    return "Closed";
}

}  // namespace

std::string room_label(const source_key& room) {
    if (room.platform == "slack") return "Slack channel " + room.channel;
    if (room.platform == "matrix") return "Matrix room " + room.channel;
    return room.platform + " channel " + room.channel;
}

bool incident::serves(const source_key& room) const {
    const auto same = [&](const source_key& r) {
        return r.platform == room.platform && r.channel == room.channel;
    };
    return same(channel) || std::any_of(linked_rooms.begin(), linked_rooms.end(), same);
}

impact_start incident::start() const {
    if (marks.started) {
        return {marks.started->at, impact_start::basis::started, marks.started->number, "started"};
    }
    impact_start earliest{declared_at, impact_start::basis::declaration,
                          timeline.empty() ? 1 : timeline.front().number, {}};
    const std::pair<std::string_view, const std::optional<marker>*> candidates[] = {
        {"detected", &marks.detected}, {"mitigated", &marks.mitigated}, {"resolved", &marks.resolved}};
    for (const auto& [name, mark] : candidates) {
        if (*mark && (*mark)->at < earliest.at) {
            earliest = {(*mark)->at, impact_start::basis::earlier_marker, (*mark)->number, name};
        }
    }
    return earliest;
}

namespace {

bool any_live(const std::vector<text_item>& items) {
    return std::any_of(items.begin(), items.end(), [](const text_item& n) { return !n.retracted; });
}

}  // namespace

bool incident::security_flagged() const { return any_live(security_notes); }

bool incident::data_lost() const { return any_live(data_loss_notes); }

std::vector<person> incident::participants() const {
    std::vector<person> people;
    auto add = [&](const person& p) {
        if (p.id.empty() && p.name.empty()) return;
        // One person in rooms on two platforms has two ids; the display name joins them.
        const bool known = std::any_of(people.begin(), people.end(), [&](const person& q) {
            return q.platform == p.platform ? q.id == p.id : !p.name.empty() && q.name == p.name;
        });
        if (!known) people.push_back(p);
    };
    add(declared_by);
    for (const auto& [role, holder] : roles) add(holder);
    for (const auto& entry : timeline) {
        if (!entry.retracted) add(entry.author);
    }
    for (const auto& s : sitreps) add(s.recorded_by);
    for (const auto& a : actions) add(a.owner);
    return people;
}

const recorded_item* incident::find(std::int64_t number) const {
    const recorded_item* found = nullptr;
    visit_item(const_cast<incident&>(*this), number,
               [&](const recorded_item& item) { found = &item; });
    return found;
}

const action_item* incident::find_action(std::int64_t number) const {
    for (const auto& a : actions) {
        if (a.number == number) return &a;
    }
    return nullptr;
}

bool is_editable(const incident& state, std::int64_t number) {
    for (const auto& entry : state.timeline) {
        if (entry.number == number) {
            return entry.kind == timeline_kind::note || entry.kind == timeline_kind::pinned ||
                   entry.kind == timeline_kind::link;
        }
    }
    for (const auto& s : state.sitreps) {
        if (s.number == number) return false;
    }
    return state.find(number) != nullptr;
}

bool is_retractable(const incident& state, std::int64_t number) {
    for (const auto& entry : state.timeline) {
        if (entry.number == number) {
            if (entry.reopens || entry.marker == "closed") return false;
            return entry.kind != timeline_kind::system || entry.phase_to.has_value();
        }
    }
    return state.find(number) != nullptr;
}

void apply(incident& s, const event& e) {
    if (e.sequence <= s.last_sequence && s.last_sequence != 0) return;  // replayed
    const bool declared = std::holds_alternative<payload::declared>(e.data);
    if (s.last_sequence == 0 && !declared) return;  // nothing before a declaration counts
    if (s.last_sequence != 0 && declared) return;
    s.last_sequence = e.sequence;

    std::visit(
        overloaded{
            [&](const payload::declared& p) {
                s.id = e.incident_id;
                s.title = p.title;
                s.level = p.level;
                s.channel = {e.source.platform, e.source.channel, {}, 0};
                s.declared_by = e.actor;
                s.declared_at = e.occurred_at;
                auto entry = system_entry(e, timeline_kind::system,
                                          "Incident declared: " + p.title + " (" +
                                              upper(to_string(p.level)) + ")");
                s.timeline.push_back(std::move(entry));
            },
            [&](const payload::title_set& p) {
                s.title = p.title;
                s.timeline.push_back(
                    system_entry(e, timeline_kind::system, "Title set to \"" + p.title + "\""));
            },
            [&](const payload::severity_changed& p) {
                s.level = p.level;
                s.timeline.push_back(system_entry(e, timeline_kind::system,
                                                  "Severity set to " + upper(to_string(p.level))));
            },
            [&](const payload::role_assigned& p) {
                s.roles[p.role] = p.holder;
                s.timeline.push_back(system_entry(
                    e, timeline_kind::system, p.holder.name + " is " + role_label(p.role)));
            },
            [&](const payload::status_changed& p) {
                std::string marker;
                if (p.to == phase::mitigated || p.to == phase::resolved || p.to == phase::closed) {
                    marker = std::string(to_string(p.to));
                }
                auto entry = system_entry(e, marker.empty() ? timeline_kind::system
                                                            : timeline_kind::marker,
                                          marker.empty()
                                              ? "Status: " + std::string(to_string(p.to))
                                              : marker_text(marker, nullptr));
                entry.phase_to = p.to;
                entry.marker = marker;
                s.timeline.push_back(std::move(entry));
                recompute_phase_and_markers(s);
            },
            [&](const payload::reopened&) {
                auto entry = system_entry(e, timeline_kind::system, "Incident reopened");
                entry.reopens = true;
                s.timeline.push_back(std::move(entry));
                recompute_phase_and_markers(s);
            },
            [&](const payload::started_marked&) {
                auto entry = system_entry(e, timeline_kind::marker, marker_text("started", nullptr));
                entry.marker = "started";
                s.timeline.push_back(std::move(entry));
                recompute_phase_and_markers(s);
            },
            [&](const payload::detected& p) {
                s.detected_by = p.how;
                auto entry = system_entry(e, timeline_kind::marker, marker_text("detected", &p));
                entry.marker = "detected";
                s.timeline.push_back(std::move(entry));
                recompute_phase_and_markers(s);
            },
            [&](const payload::entry_added& p) {
                auto entry = recorded<timeline_entry>(e);
                entry.kind = p.type == entry_type::pinned ? timeline_kind::pinned
                             : p.type == entry_type::link ? timeline_kind::link
                                                          : timeline_kind::note;
                entry.text = p.text;
                entry.author = p.author.id.empty() && p.author.name.empty() ? e.actor : p.author;
                entry.url = p.url;
                entry.permalink = p.permalink;
                entry.origin_message = p.origin_message;
                s.timeline.push_back(std::move(entry));
            },
            [&](const payload::entry_edited& p) { apply_text_edit(s, e, p); },
            [&](const payload::entry_retracted& p) { apply_retraction(s, e, p); },
            [&](const payload::sitrep_posted& p) {
                auto item = recorded<sitrep>(e);
                item.status = p.status;
                item.impact = p.impact;
                item.next = p.next;
                item.next_update = p.next_update;
                s.sitreps.push_back(std::move(item));
            },
            [&](const payload::impact_set& p) {
                auto item = recorded<text_item>(e);
                item.text = p.text;
                s.impact = std::move(item);
            },
            [&](const payload::cause_noted& p) {
                auto item = recorded<text_item>(e);
                item.text = p.text;
                s.cause = std::move(item);
                s.origin = p.origin;
                s.origin_known = true;
            },
            [&](const payload::resolution_noted& p) {
                auto item = recorded<text_item>(e);
                item.text = p.text;
                s.resolution = std::move(item);
                s.resolution_kind = p.type;
                s.resolution_known = true;
            },
            [&](const payload::why_added& p) {
                auto item = recorded<text_item>(e);
                item.text = p.text;
                s.whys.push_back(std::move(item));
            },
            [&](const payload::lesson_added& p) {
                auto item = recorded<lesson>(e);
                item.text = p.text;
                item.kind = p.kind;
                s.lessons.push_back(std::move(item));
            },
            [&](const payload::action_added& p) {
                auto item = recorded<action_item>(e);
                item.text = p.text;
                item.owner = p.owner;
                item.due = p.due;
                s.actions.push_back(std::move(item));
            },
            [&](const payload::action_updated& p) {
                for (auto& a : s.actions) {
                    if (a.number == p.target && !a.retracted) {
                        a.status = p.status;
                        a.status_changed_at = e.occurred_at;
                    }
                }
            },
            [&](const payload::security_flagged& p) {
                auto item = recorded<text_item>(e);
                item.text = p.text;
                s.security_notes.push_back(std::move(item));
            },
            [&](const payload::data_lost& p) {
                auto item = recorded<text_item>(e);
                item.text = p.text;
                s.data_loss_notes.push_back(std::move(item));
            },
            [&](const payload::room_linked& p) {
                const source_key room{p.platform, p.channel, {}, 0};
                if (s.serves(room)) return;
                s.linked_rooms.push_back(room);
                s.timeline.push_back(system_entry(e, timeline_kind::system,
                                                  "Linked " + room_label(room) + " (" +
                                                      e.actor.name + ")"));
            },
            [&](const payload::reminders_set& p) { s.reminders_enabled = p.enabled; },
            [&](const payload::reminder_sent& p) {
                if (p.kind == reminder_kind::close) {
                    s.close_reminded = true;
                } else if (!s.sitrep_reminded || s.sitrep_reminded->due < p.due) {
                    s.sitrep_reminded = incident::reminded{p.due, e.recorded_at};
                }
            },
            [&](const payload::room_unlinked& p) {
                const source_key room{p.platform, p.channel, {}, 0};
                const auto it = std::find(s.linked_rooms.begin(), s.linked_rooms.end(), room);
                if (it == s.linked_rooms.end()) return;
                s.linked_rooms.erase(it);
                s.timeline.push_back(system_entry(e, timeline_kind::system,
                                                  "Unlinked " + room_label(room) + " (" +
                                                      e.actor.name + ")"));
            },
        },
        e.data);
}

incident fold(std::span<const event> events) {
    incident state;
    for (const auto& e : events) apply(state, e);
    return state;
}

metrics compute_metrics(const incident& s) {
    metrics m;
    const timestamp start = s.started_at();
    auto since_start = [&](const std::optional<marker>& mark) -> std::optional<duration> {
        if (!mark || mark->at < start) return std::nullopt;
        return mark->at - start;
    };
    m.time_to_detect = since_start(s.marks.detected);
    m.time_to_mitigate = since_start(s.marks.mitigated);
    m.time_to_resolve = since_start(s.marks.resolved);
    return m;
}

}  // namespace scribe::model
