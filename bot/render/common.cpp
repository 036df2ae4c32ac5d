// Names, local times and the selections of the incident that every document shares.
#include <algorithm>

#include "bot/render/detail.hpp"

namespace scribe::render {
namespace detail {

std::string code(std::string_view command) { return "`" + std::string(command) + "`"; }

std::string not_recorded(std::string_view command) { return "not recorded — " + code(command); }

std::string lower_first(std::string_view text) {
    std::string out(text);
    if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') {
        out[0] = static_cast<char>(out[0] - 'A' + 'a');
    }
    return out;
}

std::string upper_first(std::string_view text) {
    std::string out(text);
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
        out[0] = static_cast<char>(out[0] - 'a' + 'A');
    }
    return out;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

std::string counted(std::size_t n, std::string_view singular, std::string_view plural) {
    return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator,
                 std::string_view last_separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += i + 1 == parts.size() ? last_separator : separator;
        out += parts[i];
    }
    return out;
}

std::string display_name(const model::person& who) {
    if (!who.name.empty()) return who.name;
    if (!who.id.empty()) return who.id;
    return "someone";
}

std::string role_label(std::string_view role) {
    if (role == "ic") return "Incident commander";
    if (role == "comms") return "Communications";
    if (role == "scribe") return "Scribe";
    if (role == "facilitator") return "Retro facilitator";
    return std::string(role);
}

}  // namespace detail

std::string severity_label(model::severity level) { return detail::upper(model::to_string(level)); }

std::string_view kind_label(model::timeline_kind kind) {
    switch (kind) {
        case model::timeline_kind::note:
            return "note";
        case model::timeline_kind::pinned:
            return "pinned";
        case model::timeline_kind::link:
            return "link";
        case model::timeline_kind::sitrep:
            return "sitrep";
        case model::timeline_kind::marker:
            return "marker";
        case model::timeline_kind::system:
            return "system";
    }
    return "note";
}

namespace detail {

std::int64_t whole_seconds(model::duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

std::string local_date_time(const model::zone& zone, model::timestamp t) {
    return zone.format_date_time(t) + " " + zone.format_offset(t);
}

std::string local_time_near(const model::zone& zone, model::timestamp t,
                            model::timestamp reference) {
    if (zone.local_date(t) != zone.local_date(reference)) return local_date_time(zone, t);
    return zone.format_time(t) + " " + zone.format_offset(t);
}

bool is_live(const model::recorded_item& item) { return !item.retracted.has_value(); }

const model::text_item* live_item(const std::optional<model::text_item>& item) {
    return item && is_live(*item) ? &*item : nullptr;
}

std::optional<model::cause_origin> origin_of(const model::incident& incident) {
    if (!incident.origin_known || !live_item(incident.cause)) return std::nullopt;
    return incident.origin;
}

std::optional<model::resolution_type> resolution_of(const model::incident& incident) {
    if (!incident.resolution_known || !live_item(incident.resolution)) return std::nullopt;
    return incident.resolution_kind;
}

std::optional<model::detection> detection_of(const model::incident& incident) {
    if (!incident.marks.detected || incident.detected_by == model::detection::unknown) {
        return std::nullopt;
    }
    return incident.detected_by;
}

context make_context(const model::incident& incident, const options& opts) {
    context ctx{incident, opts, model::compute_metrics(incident), {}, incident.start(),
                model::find_conflicts(incident)};
    for (const auto& entry : incident.timeline) ctx.timeline.push_back(&entry);
    std::stable_sort(ctx.timeline.begin(), ctx.timeline.end(),
                     [](const model::timeline_entry* a, const model::timeline_entry* b) {
                         if (a->happened_at != b->happened_at) {
                             return a->happened_at < b->happened_at;
                         }
                         return a->number < b->number;
                     });
    return ctx;
}

std::string start_basis(const context& ctx) {
    const auto& start = ctx.start;
    switch (start.from) {
        case model::impact_start::basis::declaration: return "the declaration";
        case model::impact_start::basis::started:
            return code("!started") + " (#" + std::to_string(start.number) + ")";
        case model::impact_start::basis::earlier_marker:
            return "the " + std::string(start.marker) + " marker (#" +
                   std::to_string(start.number) + "), the earliest";
    }
    return {};
}

std::vector<std::string> conflict_texts(const context& ctx) {
    const auto show = [&](model::timestamp t) {
        return local_time_near(ctx.opts.zone, t, ctx.start.at);
    };
    std::vector<std::string> out;
    for (const auto& c : ctx.conflicts) out.push_back(model::describe(c, show));
    return out;
}

std::string missing_metric(const context& ctx, const metric_spec& spec) {
    if (ctx.incident.marks.*(spec.needs->field)) {
        return "not computed — its marker is before the impact start (see the conflicts)";
    }
    return not_recorded(spec.needs->command);
}

std::string display_title(const model::incident& incident) {
    if (!one_line(incident.title).empty()) return incident.title;
    return "Incident #" + std::to_string(incident.id);
}

std::size_t live_entry_count(const context& ctx) {
    return static_cast<std::size_t>(
        std::count_if(ctx.timeline.begin(), ctx.timeline.end(),
                      [](const model::timeline_entry* e) { return is_live(*e); }));
}

std::size_t open_action_count(const context& ctx) {
    const auto& actions = ctx.incident.actions;
    return static_cast<std::size_t>(
        std::count_if(actions.begin(), actions.end(), [](const model::action_item& a) {
            return is_live(a) && a.status == model::action_status::open;
        }));
}

std::optional<involvement> most_involved(const context& ctx) {
    std::optional<involvement> best;
    for (auto& who : ctx.incident.participants()) {
        const auto count = static_cast<std::size_t>(std::count_if(
            ctx.timeline.begin(), ctx.timeline.end(), [&](const model::timeline_entry* e) {
                return is_live(*e) && e->author.platform == who.platform && e->author.id == who.id;
            }));
        if (count > 0 && (!best || count > best->entries))
            best = involvement{std::move(who), count};
    }
    return best;
}

}  // namespace detail
}  // namespace scribe::render
