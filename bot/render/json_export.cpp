// The JSON export: the folded state for readers who want answers, and the events for those
// who want to replay them. Schema in docs/json-export.md.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "bot/model/codec.hpp"
#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

// Fields in a reader's order (identity, state, material; events last) rather than sorted.
using json = nlohmann::ordered_json;

// Bumped on every incompatible change to the document; additions keep the version.
constexpr int export_schema_version = 2;

json time_json(model::timestamp t) { return model::format_utc(t); }

// The codec's person (its keys sorted), built here directly: it is in every entry.
json person_json(const model::person& who) {
    return {{"id", who.id}, {"name", who.name}, {"platform", who.platform}};
}

// A JSON string as dump(…, ensure_ascii false, replace) writes it: one that needs no escaping
// (most chat text) is copied; the rest is left to nlohmann (escapes, invalid UTF-8 replaced).
void write_string(std::string& out, const std::string& text) {
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
    });
    if (!plain) {
        out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    out += text;
    out += '"';
}

// `value` as dump(2, ' ', false, replace) writes it at nesting `depth`, several times faster
// (no output adapter, no per-byte UTF-8 decoding of plain text); floats, which the export
// does not hold, are left to nlohmann.
template <class Json>
void write_json(std::string& out, const Json& value, int depth) {
    const auto indent = [&](int level) { out.append(static_cast<std::size_t>(level) * 2, ' '); };
    switch (value.type()) {
        case nlohmann::json::value_t::object:
        case nlohmann::json::value_t::array: {
            const bool object = value.is_object();
            if (value.empty()) {
                out += object ? "{}" : "[]";
                return;
            }
            out += object ? "{\n" : "[\n";
            bool first = true;
            for (auto it = value.begin(); it != value.end(); ++it) {
                if (!first) out += ",\n";
                first = false;
                indent(depth + 1);
                if (object) {
                    write_string(out, it.key());
                    out += ": ";
                }
                write_json(out, it.value(), depth + 1);
            }
            out += '\n';
            indent(depth);
            out += object ? '}' : ']';
            return;
        }
        case nlohmann::json::value_t::string:
            write_string(out, value.template get_ref<const std::string&>());
            return;
        case nlohmann::json::value_t::boolean:
            out += value.template get<bool>() ? "true" : "false";
            return;
        case nlohmann::json::value_t::number_integer:
            out += std::to_string(value.template get<std::int64_t>());
            return;
        case nlohmann::json::value_t::number_unsigned:
            out += std::to_string(value.template get<std::uint64_t>());
            return;
        case nlohmann::json::value_t::null:
            out += "null";
            return;
        default:
            out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
}

template <class T>
json optional_json(const std::optional<T>& value, json (*to_json)(const T&)) {
    return value ? to_json(*value) : json(nullptr);
}

json item_json(const model::recorded_item& item) {
    json history = json::array();
    for (const auto& r : item.history) {
        history.push_back({{"sequence", r.sequence},
                           {"at", time_json(r.at)},
                           {"by", person_json(r.by)},
                           {"previous_text", r.previous_text}});
    }
    json retracted(nullptr);
    if (item.retracted) {
        retracted = {{"sequence", item.retracted->sequence},
                     {"at", time_json(item.retracted->at)},
                     {"by", person_json(item.retracted->by)}};
    }
    return {{"number", item.number},
            {"happened_at", time_json(item.happened_at)},
            {"recorded_at", time_json(item.recorded_at)},
            {"recorded_by", person_json(item.recorded_by)},
            {"history", std::move(history)},
            {"retracted", std::move(retracted)}};
}

json text_item_json(const model::text_item& item) {
    json j = item_json(item);
    j["text"] = item.text;
    return j;
}

json entry_json(const model::timeline_entry& e) {
    json j = item_json(e);
    j["kind"] = detail::kind_label(e.kind);
    j["text"] = e.text;
    j["author"] = person_json(e.author);
    j["url"] = e.url;
    j["permalink"] = e.permalink;
    j["phase_to"] = e.phase_to ? json(model::to_string(*e.phase_to)) : json(nullptr);
    j["marker"] = e.marker.empty() ? json(nullptr) : json(e.marker);
    j["reopens"] = e.reopens;
    return j;
}

json sitrep_json(const model::sitrep& s) {
    json j = item_json(s);
    j["status"] = s.status;
    j["impact"] = s.impact;
    j["next"] = s.next;
    j["next_update_seconds"] =
        s.next_update ? json(detail::whole_seconds(*s.next_update)) : json(nullptr);
    return j;
}

json lesson_json(const model::lesson& l) {
    json j = text_item_json(l);
    j["kind"] = model::to_string(l.kind);
    return j;
}

json action_json(const model::action_item& a) {
    json j = text_item_json(a);
    j["owner"] = person_json(a.owner);
    j["due"] = a.due ? json(detail::format_date(*a.due)) : json(nullptr);
    j["status"] = model::to_string(a.status);
    j["status_changed_at"] = a.status_changed_at ? time_json(*a.status_changed_at) : json(nullptr);
    return j;
}

template <class Item>
json list_json(const std::vector<Item>& items, json (*to_json)(const Item&)) {
    json out = json::array();
    for (const auto& item : items) out.push_back(to_json(item));
    return out;
}

json markers_json(const detail::context& ctx) {
    json out = json::object();
    for (const auto& spec : detail::marker_specs) {
        const auto& m = ctx.incident.marks.*spec.field;
        out[std::string(spec.name)] =
            m ? json{{"number", m->number}, {"at", time_json(m->at)}} : json(nullptr);
    }
    return out;
}

json point_json(const model::marked_point& p) {
    return {{"what", p.what}, {"number", p.number}, {"at", time_json(p.at)}};
}

json conflicts_json(const detail::context& ctx) {
    json out = json::array();
    for (const auto& c : ctx.conflicts) {
        const char* kind = c.type == model::conflict::kind::out_of_order      ? "out_of_order"
                           : c.type == model::conflict::kind::phase_backwards ? "phase_backwards"
                                                                              : "unresolved_reopen";
        out.push_back(
            {{"kind", kind}, {"earlier", point_json(c.earlier)}, {"later", point_json(c.later)}});
    }
    return out;
}

json marker_list_json(const std::vector<model::marker>& marks) {
    json out = json::array();
    for (const auto& m : marks) out.push_back({{"number", m.number}, {"at", time_json(m.at)}});
    return out;
}

json metrics_json(const detail::context& ctx) {
    const char* basis = ctx.start.from == model::impact_start::basis::declaration ? "declaration"
                        : ctx.start.from == model::impact_start::basis::started ? "started"
                                                                                 : "earlier_marker";
    json out = {{"started_at", time_json(ctx.start.at)},
                {"start_basis", basis},
                {"start_number", ctx.start.number}};
    for (const auto& spec : detail::metric_specs) {
        const auto& value = ctx.metrics.*spec.field;
        out[std::string(spec.key) + "_seconds"] =
            value ? json(detail::whole_seconds(*value)) : json(nullptr);
    }
    return out;
}

json incident_state_json(const detail::context& ctx) {
    const auto& inc = ctx.incident;
    json roles = json::object();
    for (const auto& [role, holder] : inc.roles) roles[role] = person_json(holder);
    json participants = json::array();
    for (const auto& who : inc.participants()) participants.push_back(person_json(who));

    const auto how = detail::detection_of(inc);
    json cause = optional_json(inc.cause, text_item_json);
    if (!cause.is_null()) cause["origin"] = model::to_string(inc.origin);
    json resolution = optional_json(inc.resolution, text_item_json);
    if (!resolution.is_null()) resolution["type"] = model::to_string(inc.resolution_kind);

    return {
        {"id", inc.id},
        {"title", inc.title},
        {"severity", model::to_string(inc.level)},
        {"phase", model::to_string(inc.current)},
        {"open", inc.is_open()},
        {"channel", {{"platform", inc.channel.platform}, {"channel", inc.channel.channel}}},
        {"declared_by", person_json(inc.declared_by)},
        {"declared_at", time_json(inc.declared_at)},
        {"last_sequence", inc.last_sequence},
        {"roles", std::move(roles)},
        {"participants", std::move(participants)},
        {"markers", markers_json(ctx)},
        {"earlier_resolutions", marker_list_json(inc.marks.earlier_resolutions)},
        {"reopened", marker_list_json(inc.marks.reopened)},
        {"metrics", metrics_json(ctx)},
        {"conflicts", conflicts_json(ctx)},
        {"detection", how ? json(model::to_string(*how)) : json(nullptr)},
        {"timeline", list_json(inc.timeline, entry_json)},
        {"sitreps", list_json(inc.sitreps, sitrep_json)},
        {"impact", optional_json(inc.impact, text_item_json)},
        {"cause", std::move(cause)},
        {"resolution", std::move(resolution)},
        {"whys", list_json(inc.whys, text_item_json)},
        {"lessons", list_json(inc.lessons, lesson_json)},
        {"actions", list_json(inc.actions, action_json)},
        {"security",
         {{"flagged", inc.security_flagged()},
          {"notes", list_json(inc.security_notes, text_item_json)}}},
        {"data_loss",
         {{"lost", inc.data_lost()}, {"notes", list_json(inc.data_loss_notes, text_item_json)}}}};
}

}  // namespace

std::string incident_json(const model::incident& incident, std::span<const model::event> events,
                          const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    // Written member by member, so that each event goes out as the codec makes it, with no
    // copy into the document first.
    std::string out = "{\n  \"schema_version\": " + std::to_string(export_schema_version) +
                      ",\n  \"generated_at\": ";
    write_string(out, model::format_utc(opts.generated_at));
    out += ",\n  \"zone\": ";
    write_string(out, opts.zone.name());
    out += ",\n  \"incident\": ";
    write_json(out, incident_state_json(ctx), 1);
    out += ",\n  \"events\": ";
    if (events.empty()) {
        out += "[]";
    } else {
        out += "[\n";
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (i > 0) out += ",\n";
            out += "    ";
            write_json(out, model::event_to_json(events[i]), 2);
        }
        out += "\n  ]";
    }
    out += "\n}\n";
    return out;
}

}  // namespace scribe::render
