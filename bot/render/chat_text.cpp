// The short plain texts the bot answers `!timeline` and `!incident` with in chat.
#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

std::string heading(const model::incident& incident) {
    return "#" + std::to_string(incident.id) + " " +
           detail::one_line(detail::display_title(incident));
}

std::string entry_line(const model::timeline_entry& e, const std::string& when) {
    std::string text = detail::one_line(e.text);
    if (!e.url.empty()) text += (text.empty() ? "" : " ") + detail::one_line(e.url);
    if (!e.history.empty()) text += " (edited)";
    return "#" + std::to_string(e.number) + " " + when + " " +
           detail::one_line(detail::display_name(e.author)) + ": " + text;
}

}  // namespace

std::string timeline_text(const model::incident& incident, const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    const auto& zone = opts.zone;
    std::string out = "Timeline of " + heading(incident) + " (" + zone.name();
    if (!ctx.timeline.empty()) {
        out += ", from " + format_date(zone.local_date(ctx.timeline.front()->happened_at));
    }
    out += ")\n";
    std::optional<model::timestamp> previous;
    for (const auto* e : ctx.timeline) {
        if (!detail::is_live(*e)) continue;
        // HH:MM, with the date only when a line starts a new local day.
        const bool new_day =
            previous && zone.local_date(*previous) != zone.local_date(e->happened_at);
        const std::string when =
            new_day ? zone.format_date_time(e->happened_at) : zone.format_time(e->happened_at);
        out += entry_line(*e, when) + "\n";
        previous = e->happened_at;
    }
    return out;
}

std::string summary_text(const model::incident& incident, const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    const auto& zone = opts.zone;
    std::string out = heading(incident) + "\n";

    out += severity_label(incident.level) + " · " +
           std::string(model::to_string(incident.current)) + " · ";
    if (incident.roles.empty()) {
        out += "no roles assigned yet (!role ic <user>)";
    } else {
        std::vector<std::string> roles;
        for (const auto& [role, holder] : incident.roles) {
            roles.push_back(detail::lower_first(detail::role_label(role)) + ": " +
                            detail::one_line(detail::display_name(holder)));
        }
        out += detail::join(roles, ", ", ", ");
    }
    out += "\n";

    const auto start = incident.started_at();
    std::vector<std::string> marks{"started " + detail::local_date_time(zone, start)};
    std::vector<std::string> missing;
    for (const auto& spec : detail::metric_specs) {
        const auto& mark = incident.marks.*(spec.needs->field);
        const auto& value = ctx.metrics.*spec.field;
        if (!mark) {
            missing.push_back(std::string(spec.needs->command));
            continue;
        }
        if (!value) {
            marks.push_back(detail::lower_first(spec.needs->label) + " " +
                            detail::local_time_near(zone, mark->at, start) +
                            " (before the start: no " + detail::upper(spec.key) + ")");
            continue;
        }
        marks.push_back(detail::lower_first(spec.needs->label) + " " +
                        detail::local_time_near(zone, mark->at, start) + " (" +
                        detail::upper(spec.key) + " " + model::format_span(*value) + ")");
    }
    out += detail::upper_first(detail::join(marks, " · ", " · ")) + "\n";
    if (!missing.empty()) out += "Not recorded yet: " + detail::join(missing, ", ", ", ") + "\n";
    for (const auto& text : detail::conflict_texts(ctx)) out += "Conflict: " + text + "\n";

    const auto actions = detail::live_items(incident.actions);
    out += detail::counted(detail::live_entry_count(ctx), "timeline entry", "timeline entries") +
           " · " +
           detail::counted(detail::live_items(incident.sitreps).size(), "SitRep", "SitReps") +
           " · " + detail::counted(actions.size(), "action item", "action items") + " (" +
           std::to_string(detail::open_action_count(ctx)) + " open)\n";
    return out;
}

std::string metrics_line(const model::incident& incident) {
    const auto m = model::compute_metrics(incident);
    const auto figure = [](const std::optional<model::duration>& d) {
        return d ? model::format_span(*d) : std::string("not recorded");
    };
    return "MTTD " + figure(m.time_to_detect) + ", time to mitigate " +
           figure(m.time_to_mitigate) + ", MTTR " + figure(m.time_to_resolve) + ".";
}

std::string incident_list_text(std::span<const listed_incident> incidents, const options& opts,
                               std::string_view prefix, std::size_t limit) {
    if (incidents.empty()) {
        return "No incidents yet. Declare one with " + std::string(prefix) + "declare <title>.";
    }
    std::string out = "Incidents (newest first):";
    std::size_t shown = 0;
    for (const auto& i : incidents) {
        if (++shown > limit) {
            out += "\n… and " + std::to_string(incidents.size() - limit) + " more (scribe list)";
            break;
        }
        out += "\n#" + std::to_string(i.id) + " " + severity_label(i.level) + " " +
               std::string(model::to_string(i.current)) + " — " + detail::one_line(i.title) +
               " (declared " + opts.zone.format_date_time(i.declared_at) + " in " + i.channel + ")";
    }
    return out;
}

std::string action_list_text(std::span<const listed_action> actions, const options& opts) {
    if (actions.empty()) return "No open action items.";
    const auto today = std::chrono::sys_days{opts.zone.local_date(opts.generated_at)};
    std::string out = "Open action items:";
    for (const auto& a : actions) {
        out += "\n#" + std::to_string(a.incident_id) + "/" + std::to_string(a.number) + " " +
               detail::one_line(a.owner) + ": " + detail::one_line(a.text);
        if (a.due) {
            out += " (due " + format_date(*a.due) +
                   (std::chrono::sys_days{*a.due} < today ? ", overdue" : "") + ")";
        }
        out += " — " + detail::one_line(a.incident_title);
    }
    return out;
}

}  // namespace scribe::render
