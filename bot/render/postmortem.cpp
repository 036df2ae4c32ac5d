// The postmortem draft: YAML front matter, then every section of DESIGN.md, each saying what
// is still missing so the retro starts from the gaps.
#include <algorithm>

#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace detail {
namespace {

using model::timestamp;

std::string prompt(std::string_view lead, std::string_view bring, std::string_view command) {
    std::string out = "_" + std::string(lead) + "Bring to the retro: " + std::string(bring) + "_";
    if (!command.empty()) out += " (" + code(command) + ")";
    return out + "\n";
}

std::string table_row(std::initializer_list<std::string_view> cells) {
    std::string out = "|";
    for (const auto cell : cells) {
        out += " ";
        out += cell;
        out += " |";
    }
    return out + "\n";
}

std::string table_header(std::initializer_list<std::string_view> headings) {
    std::string out = table_row(headings) + "|";
    for (std::size_t i = 0; i < headings.size(); ++i) out += "---|";
    return out + "\n";
}

std::optional<timestamp> marker_time(const context& ctx, const marker_spec& spec) {
    if (spec.name == "started") return ctx.incident.started_at();
    const auto& m = ctx.incident.marks.*spec.field;
    return m ? std::optional<timestamp>(m->at) : std::nullopt;
}

std::string times_note(const model::zone& zone) {
    if (zone.name() == "UTC") return "Times are in UTC.";
    return "Times are local to " + escape_markdown(zone.name()) +
           " with their offset from UTC; the front matter has them in UTC.";
}

std::string facts_section(const context& ctx) {
    const auto& inc = ctx.incident;
    const auto& zone = ctx.opts.zone;
    std::string out = table_header({"Field", "Value"});
    out += table_row({"Severity", severity_label(inc.level)});
    out += table_row({"Status", model::to_string(inc.current)});
    for (const auto& spec : marker_specs) {
        if (spec.name == "closed") continue;  // in the front matter; not a metric's marker
        const auto at = marker_time(ctx, spec);
        std::string value = at ? local_date_time(zone, *at) : not_recorded(spec.command);
        if (spec.name == "started" && !inc.marks.started) {
            value += " (" + start_basis(ctx) + "; if impact began earlier: " +
                     code(spec.command) + ")";
        }
        if (spec.name == "resolved" && !inc.marks.earlier_resolutions.empty()) {
            std::vector<std::string> earlier;
            for (const auto& m : inc.marks.earlier_resolutions) {
                earlier.push_back(local_time_near(zone, m.at, *at) + " (#" +
                                  std::to_string(m.number) + ")");
            }
            value += " (the last; it was also resolved at " + join(earlier, ", ", " and ") +
                     ", then reopened)";
        }
        out += table_row({spec.label, value});
    }
    for (const auto& spec : metric_specs) {
        const auto& value = ctx.metrics.*spec.field;
        out += table_row(
            {spec.label, value ? model::format_span(*value) : missing_metric(ctx, spec)});
    }
    const auto origin = origin_of(inc);
    out += table_row({"Origin of fault",
                      origin ? model::describe(*origin) : not_recorded("!cause <origin> <text>")});
    const auto resolution = resolution_of(inc);
    out += table_row({"Type of resolution", resolution ? model::describe(*resolution)
                                                       : not_recorded("!fix <type> <text>")});
    const auto how = detection_of(inc);
    out += table_row(
        {"Detection", how ? model::describe(*how) : not_recorded(marker_specs[1].command)});
    out += "\n_" + times_note(zone) + "_\n";
    if (!ctx.conflicts.empty()) {
        out += "\n" + bring("these markers contradict each other; they are kept as typed and "
                            "give no figure where they meet. Which is right?");
        for (const auto& text : conflict_texts(ctx)) out += "\n- " + text;
        out += "\n";
    }
    return out;
}

std::string summary_section(const context& ctx) {
    const auto& inc = ctx.incident;
    const auto& zone = ctx.opts.zone;
    const timestamp start = inc.started_at();

    std::string out = "**" + severity_label(inc.level) + "** incident, ";
    out += inc.is_open() ? "still open (**" + std::string(model::to_string(inc.current)) + "**)"
                         : std::string("**closed**");
    out += ". Impact began " + local_date_time(zone, start) + ".";
    if (inc.is_open() && ctx.opts.generated_at > start) {
        out += " When this draft was made it had lasted " +
               model::format_span(ctx.opts.generated_at - start) + ".";
    }

    std::vector<std::string> known;
    std::vector<std::string> missing;
    std::vector<std::string> contradicted;
    for (const auto& spec : metric_specs) {
        const auto& value = ctx.metrics.*spec.field;
        if (!value) {
            (inc.marks.*(spec.needs->field) ? contradicted : missing)
                .emplace_back(lower_first(spec.needs->label));
            continue;
        }
        std::string part = lower_first(spec.needs->label) + " after " + model::format_span(*value);
        if (spec.needs->name == "detected") {
            if (const auto how = detection_of(inc))
                part += " (" + lower_first(model::describe(*how)) + ")";
        }
        known.push_back(std::move(part));
    }
    if (!known.empty()) out += " " + upper_first(join(known, ", ", " and ")) + ".";
    if (!missing.empty()) out += " Not recorded yet: " + join(missing, ", ", " and ") + ".";
    if (!contradicted.empty()) {
        out += " Recorded before the impact start, so not computed: " +
               join(contradicted, ", ", " and ") + ".";
    }
    out += "\n\n";

    if (const auto* impact = live_item(inc.impact)) {
        out += "**Impact:** " + escape_markdown(impact->text) + "\n\n";
    } else {
        out += "**Impact:** not recorded yet (" + code("!impact <text>") + ").\n\n";
    }
    // The cause and the fix in a line each, when recorded; their sections have the rest.
    const auto brief = [](std::string_view label, std::string_view kind,
                          const model::text_item& item) {
        const std::string text = escape_markdown(item.text);
        return "**" + std::string(label) + "** (" + lower_first(kind) + ")" +
               (text.empty() ? "." : ": " + text) + "\n\n";
    };
    if (const auto* cause = live_item(inc.cause)) {
        out += brief("Cause", model::describe(inc.origin), *cause);
    }
    if (const auto* fix = live_item(inc.resolution)) {
        out += brief("Fix", model::describe(inc.resolution_kind), *fix);
    }

    const auto actions = live_items(inc.actions);
    out += "The log holds " + counted(live_entry_count(ctx), "timeline entry", "timeline entries") +
           " from " + counted(inc.participants().size(), "person", "people") + ", " +
           counted(live_items(inc.sitreps).size(), "SitRep", "SitReps") + ", " +
           counted(live_items(inc.whys).size(), "why", "whys") + ", " +
           counted(live_items(inc.lessons).size(), "lesson", "lessons") + " and " +
           counted(actions.size(), "action item", "action items") + " (" +
           std::to_string(open_action_count(ctx)) + " open).\n";
    return out;
}

std::string roles_section(const context& ctx) {
    const auto& inc = ctx.incident;
    std::string out = table_header({"Role", "Who"});
    for (const auto role : standard_roles) {
        const auto it = inc.roles.find(std::string(role));
        const std::string who =
            it != inc.roles.end()
                ? escape_markdown(display_name(it->second))
                : (role == "facilitator" ? "_to be chosen_" : "_not assigned_") +
                      std::string(" — ") + code("!role " + std::string(role) + " <user>");
        out += table_row({role_label(role), who});
    }
    for (const auto& [role, holder] : inc.roles) {
        const bool standard =
            std::find(standard_roles.begin(), standard_roles.end(), role) != standard_roles.end();
        if (!standard) {
            out += table_row({escape_markdown(role), escape_markdown(display_name(holder))});
        }
    }
    std::vector<std::string> names;
    for (const auto& who : inc.participants()) names.push_back(escape_markdown(display_name(who)));
    out += "\nDeclared by " + escape_markdown(display_name(inc.declared_by)) +
           ". Everyone involved: " + join(names, ", ", ", ") + ".\n";
    return out;
}

std::string what_stopped_section(const context& ctx) {
    const auto& inc = ctx.incident;
    std::string out = "Declared as **" + escape_markdown(display_title(inc)) + "**";
    if (inc.marks.detected) {
        out += "; first noticed " + local_date_time(ctx.opts.zone, inc.marks.detected->at);
        if (const auto how = detection_of(inc)) {
            out += " (" + lower_first(model::describe(*how)) + ")";
        }
    }
    out += ".\n\n";
    out += bring(
        "a description of what stopped working in users' terms (which function failed, for "
        "whom, and what they saw), not only which component broke.");
    return out;
}

// The cause and the fix: their classification, then the explanation or a request for it.
std::string explained_section(const std::optional<model::text_item>& item, std::string_view label,
                              std::string_view value, std::string_view question,
                              std::string_view command) {
    const auto* live = live_item(item);
    if (!live) return ask(question, command);
    std::string out = "**" + std::string(label) + ":** " + std::string(value) + "\n\n";
    if (one_line(live->text).empty()) return out + bring(question, command);
    return out + escape_markdown(live->text) + provenance(*live) + "\n";
}

std::string cause_section(const context& ctx) {
    const auto& inc = ctx.incident;
    return explained_section(
        inc.cause, "Origin of fault", model::describe(inc.origin),
        "what changed or happened that made it stop working: a deploy, a configuration or "
        "feature flag, infrastructure, a dependency, capacity? Origins: code-change, "
        "infrastructure, external-dependency, config, capacity, other.",
        "!cause <origin> <text>");
}

std::string fix_section(const context& ctx) {
    const auto& inc = ctx.incident;
    return explained_section(
        inc.resolution, "Type of resolution", model::describe(inc.resolution_kind),
        "what we did to get it working again, so the next responder can repeat it. Types: "
        "rollback, fix-forward, scaling, config, other.",
        "!fix <type> <text>");
}

std::string whys_section(const context& ctx) {
    constexpr std::size_t enough = 5;
    const auto whys = live_items(ctx.incident.whys);
    if (whys.empty()) {
        return ask(
            "start from why it stopped working and keep asking \"why?\" until you reach what "
            "in the system allowed it. If you reach human error, keep digging.",
            "!why <text>");
    }
    std::string out =
        "Each answer asks the next \"why?\", starting from why it stopped working:\n\n";
    for (std::size_t i = 0; i < whys.size(); ++i) {
        out += std::string(2 * i, ' ') + "- **Why " + std::to_string(i + 1) + ":** " +
               escape_markdown(whys[i]->text) + provenance(*whys[i]) + "\n";
    }
    out += "\n";
    if (whys.size() < enough) {
        out += bring("more whys (" + std::to_string(whys.size()) + " of " + std::to_string(enough) +
                         " so far). Keep asking until you reach something the system allowed; "
                         "if you reach human error, keep digging.",
                     "!why <text>");
    } else {
        out += "_If the chain ends at human error, keep digging._\n";
    }
    return out;
}

std::string timeline_section(const context& ctx) {
    const auto& zone = ctx.opts.zone;
    std::string out = table_header({"Time", "#", "Who", "Kind", "What"});
    time_column when(zone);
    for (const auto* entry : ctx.timeline) {
        out += table_row({when(entry->happened_at), std::to_string(entry->number),
                          escape_markdown(display_name(entry->author)), kind_label(entry->kind),
                          entry_markdown(ctx, *entry, true)});
    }
    out +=
        "\n_Edited entries show what they replaced; retracted entries are struck through. "
        "Correct with " +
        code("!edit <n> <text>") + " or " + code("!retract <n>") + "._\n";
    return out;
}

std::string sitreps_section(const context& ctx) {
    const auto sitreps = live_items(ctx.incident.sitreps);
    if (sitreps.empty()) {
        return ask(
            "were stakeholders kept informed, and how often? Add updates that went out "
            "elsewhere.",
            "!sitrep");
    }
    const auto cell = [](const std::string& text) {
        const std::string escaped = escape_markdown(text);
        return escaped.empty() ? std::string("—") : escaped;
    };
    std::string out =
        table_header({"Posted", "#", "By", "Status", "Impact", "Next", "Next update"});
    time_column when(ctx.opts.zone);
    for (const auto* s : sitreps) {
        out += table_row({when(s->happened_at), std::to_string(s->number),
                          escape_markdown(display_name(s->recorded_by)), cell(s->status),
                          cell(s->impact), cell(s->next),
                          s->next_update ? model::format_span(*s->next_update) : "—"});
    }
    return out;
}

std::string_view lesson_question(model::lesson_kind kind) {
    switch (kind) {
        case model::lesson_kind::helped:
            return "what helped us?";
        case model::lesson_kind::slowed:
            return "what slowed us down?";
        case model::lesson_kind::differently:
            return "what could we have done differently?";
        case model::lesson_kind::learned:
            return "what do we know now that we did not know before the incident?";
    }
    return "";
}

std::string security_section(const context& ctx) {
    std::string out =
        "This incident was flagged as security-relevant. Review this document with the "
        "security team before sharing it widely.\n\n";
    for (const auto* note : live_items(ctx.incident.security_notes)) {
        const std::string text = escape_markdown(note->text);
        out += "- " + (text.empty() ? std::string("_(flagged without a note)_") : text) +
               provenance(*note) + "\n";
    }
    return out;
}

}  // namespace

std::string ask(std::string_view what, std::string_view command) {
    return prompt("Nothing recorded yet. ", what, command);
}

std::string bring(std::string_view what, std::string_view command) {
    return prompt("", what, command);
}

std::string provenance(const model::recorded_item& item) {
    return " _(#" + std::to_string(item.number) + ", " +
           escape_markdown(display_name(item.recorded_by)) + ")_";
}

std::string entry_markdown(const context& ctx, const model::timeline_entry& entry,
                           bool corrections) {
    std::string text = entry.url.empty() ? escape_markdown(entry.text)
                                         : markdown_link(entry.url, one_line(entry.text));
    if (!entry.permalink.empty()) {
        if (!text.empty()) text += " ";
        text += "(" + markdown_link(entry.permalink, "message") + ")";
    }
    if (text.empty()) text = "_(no text)_";
    if (!corrections) return text;

    const auto& zone = ctx.opts.zone;
    const auto near = [&](timestamp t) { return local_time_near(zone, t, entry.happened_at); };
    if (entry.retracted) {
        text = "~~" + text + "~~ _(retracted " + near(entry.retracted->at) + " by " +
               escape_markdown(display_name(entry.retracted->by)) + ")_";
    }
    for (const auto& r : entry.history) {
        text += " _(edited " + near(r.at) + " by " + escape_markdown(display_name(r.by)) +
                "; was: \"" + escape_markdown(r.previous_text) + "\")_";
    }
    // Backdated, or typed while Scribe could not hear it and delivered later.
    if (entry.recorded_at - entry.happened_at >= std::chrono::minutes{1}) {
        text += " _(recorded " + near(entry.recorded_at) + ")_";
    }
    return text;
}

std::string front_matter(const context& ctx) {
    const auto& inc = ctx.incident;
    const auto line = [](std::string_view key, const std::string& value) {
        return std::string(key) + ": " + value + "\n";
    };
    const auto quoted_or_null = [](bool present, std::string_view value) {
        return present ? yaml_quote(value) : std::string("null");
    };
    std::string out = "---\n";
    out += line("id", std::to_string(inc.id));
    out += line("title", yaml_quote(inc.title));
    out += line("severity", yaml_quote(model::to_string(inc.level)));
    out += line("phase", yaml_quote(model::to_string(inc.current)));
    for (const auto& spec : marker_specs) {
        const auto at = marker_time(ctx, spec);
        out += line(std::string(spec.name) + "_at",
                    quoted_or_null(at.has_value(), at ? model::format_utc(*at) : ""));
    }
    for (const auto& spec : metric_specs) {
        const auto& value = ctx.metrics.*spec.field;
        out += line(std::string(spec.key) + "_seconds",
                    value ? std::to_string(whole_seconds(*value)) : "null");
    }
    const auto origin = origin_of(inc);
    out += line("origin", quoted_or_null(origin.has_value(), model::to_string(inc.origin)));
    const auto resolution = resolution_of(inc);
    out += line("resolution",
                quoted_or_null(resolution.has_value(), model::to_string(inc.resolution_kind)));
    const auto how = detection_of(inc);
    out += line("detection", quoted_or_null(how.has_value(), how ? model::to_string(*how) : ""));
    const auto actions = live_items(inc.actions);
    const auto open = open_action_count(ctx);
    out += "action_items:\n";
    out += "  " + line("total", std::to_string(actions.size()));
    out += "  " + line("open", std::to_string(open));
    out += "  " + line("done", std::to_string(actions.size() - open));
    out += line("security", inc.security_flagged() ? "true" : "false");
    out += line("data_lost", inc.data_lost() ? "true" : "false");
    out += line("zone", yaml_quote(ctx.opts.zone.name()));
    out += line("generated_at", yaml_quote(model::format_utc(ctx.opts.generated_at)));
    return out + "---\n";
}

std::string data_loss_lines(const context& ctx) {
    std::string out;
    for (const auto* note : live_items(ctx.incident.data_loss_notes)) {
        out += "- Data lost: " + escape_markdown(note->text) + provenance(*note) + "\n";
    }
    return out.empty() ? out : "\n" + out;
}

std::string impact_section(const context& ctx) {
    const auto& inc = ctx.incident;
    if (const auto* impact = live_item(inc.impact)) {
        return escape_markdown(impact->text) + provenance(*impact) + "\n" + data_loss_lines(ctx);
    }
    std::string out =
        ask("who was affected and how. How many users or requests, for how long, and was any "
            "data lost?",
            "!impact <text>");
    const auto sitreps = live_items(inc.sitreps);
    for (auto it = sitreps.rbegin(); it != sitreps.rend(); ++it) {
        if (one_line((*it)->impact).empty()) continue;
        out += "\nThe latest SitRep (#" + std::to_string((*it)->number) + ") said: \"" +
               escape_markdown((*it)->impact) + "\"\n";
        break;
    }
    return out + data_loss_lines(ctx);
}

std::string lessons_section(const context& ctx) {
    const auto lessons = live_items(ctx.incident.lessons);
    std::string out;
    for (const auto kind : lesson_kinds) {
        if (!out.empty()) out += "\n";
        out += "### " + std::string(model::describe(kind)) + "\n\n";
        std::string items;
        for (const auto* l : lessons) {
            if (l->kind == kind) items += "- " + escape_markdown(l->text) + provenance(*l) + "\n";
        }
        out += items.empty() ? ask(lesson_question(kind),
                                   "!lesson " + std::string(model::to_string(kind)) + " <text>")
                             : items;
    }
    return out;
}

std::string actions_section(const context& ctx) {
    const auto actions = live_items(ctx.incident.actions);
    if (actions.empty()) {
        return ask(
            "what will make a similar incident less likely or less harmful? Each item gets "
            "exactly one owner and should fit in about two weeks.",
            "!action <user> <text> [due YYYY-MM-DD]");
    }
    const auto& zone = ctx.opts.zone;
    std::string out = table_header({"#", "Action", "Owner", "Due", "Status"});
    for (const auto* a : actions) {
        std::string status(model::to_string(a->status));
        if (a->status == model::action_status::done && a->status_changed_at) {
            status += " (" + format_date(zone.local_date(*a->status_changed_at)) + ")";
        }
        out += table_row({std::to_string(a->number), escape_markdown(a->text),
                          escape_markdown(display_name(a->owner)),
                          a->due ? format_date(*a->due) : "_none_", status});
    }
    const auto open = open_action_count(ctx);
    out += "\n" + counted(actions.size(), "action item", "action items") + ", " +
           std::to_string(open) + " open. Each has exactly one owner; mark one done with " +
           code("!action done <n>") + ".\n";
    return out;
}

std::string bar_raiser_section(const context& ctx) {
    const auto& policy = ctx.opts.bar_raiser;
    const auto r = model::review(ctx.incident, policy, ctx.opts.generated_at,
                                 ctx.opts.zone.local_date(ctx.opts.generated_at));
    std::string out = "**Is a postmortem needed?** ";
    if (r.needed_because.empty()) {
        out +=
            "No criterion matched (an intervention, impact past the thresholds, resolution "
            "slower than the tolerance of its severity, data lost); the retro may decide "
            "that this draft is enough.\n";
    } else {
        out += "Yes: " + escape_markdown(join(r.needed_because, "; ", "; ")) + ".\n";
    }
    out += "\n**Action items.** ";
    if (r.actions.empty()) {
        out += live_items(ctx.incident.actions).empty()
                   ? "None yet.\n"
                   : "Each is due within the window, none is overdue or habitual.\n";
    } else {
        out += "These will not get done as written:\n\n";
        for (const auto& a : r.actions) {
            out += "- #" + std::to_string(a.number) + " " + escape_markdown(a.text) + " (" +
                   escape_markdown(a.owner) + "): " + escape_markdown(join(a.reasons, "; ", "; ")) +
                   "\n";
        }
    }
    out += "\n**Analysis.**";
    std::vector<std::string> notes;
    if (r.stops_at_human_error) {
        notes.push_back("the whys end at human error (\"" +
                        escape_markdown(*r.stops_at_human_error) +
                        "\"): keep digging. What made the mistake possible, and what would have "
                        "caught it? (" +
                        code("!why <text>") + ")");
    }
    for (const auto& m : r.missing) {
        notes.push_back("missing " + m.what + " (" + code("!" + m.command) + ")");
    }
    out += notes.empty() ? " Nothing missing.\n" : "\n\n";
    for (const auto& note : notes) out += "- " + note + "\n";
    return out;
}

std::vector<section> postmortem_sections(const context& ctx) {
    struct spec {
        std::string_view key;
        std::string_view heading;
        std::string (*body)(const context&);
    };
    static constexpr spec specs[] = {
        {"facts", "At a glance", facts_section},
        {"summary", "Summary", summary_section},
        {"roles", "Roles", roles_section},
        {"impact", "Impact", impact_section},
        {"what_stopped", "What stopped working", what_stopped_section},
        {"cause", "Why it stopped working", cause_section},
        {"resolution", "How we fixed it", fix_section},
        {"whys", "What led to it breaking", whys_section},
        {"timeline", "Timeline", timeline_section},
        {"sitreps", "SitReps", sitreps_section},
        {"lessons", "Lessons learned", lessons_section},
        {"actions", "Action items", actions_section},
        {"security", "Security", security_section},
        {"bar_raiser", "Bar raiser", bar_raiser_section},
    };
    std::vector<section> out;
    for (const auto& s : specs) {
        if (s.key == "security" && !ctx.incident.security_flagged()) continue;
        out.push_back({s.key, s.heading, s.body(ctx)});
    }
    return out;
}

}  // namespace detail

std::string postmortem_markdown(const model::incident& incident, const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    std::string out = detail::front_matter(ctx);
    out += "\n# " + escape_markdown(detail::display_title(incident)) + "\n\n";
    out += "_Blameless postmortem draft for incident #" + std::to_string(incident.id) +
           ", generated by Scribe on " + detail::local_date_time(opts.zone, opts.generated_at) +
           " from the incident log. It describes what the system allowed, not who is to "
           "blame. Gaps are marked \"Bring to the retro\"._\n";
    for (const auto& s : detail::postmortem_sections(ctx)) {
        out += "\n## " + std::string(s.heading) + "\n\n" + s.body;
    }
    return out;
}

}  // namespace scribe::render
