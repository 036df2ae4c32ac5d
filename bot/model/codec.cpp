// One to_json/from_json pair per payload; kinds are named by kind_name().
#include "bot/model/codec.hpp"

#include <nlohmann/json.hpp>

#include "bot/model/time.hpp"

namespace scribe::model {
namespace {

using nlohmann::json;

template <class Enum>
Enum enum_field(const json& j, const char* key) {
    const auto text = j.at(key).get<std::string>();
    const auto value = parse_enum<Enum>(text);
    if (!value) throw std::invalid_argument(std::string("unknown ") + key + " '" + text + "'");
    return *value;
}

std::string text_field(const json& j, const char* key) {
    const auto it = j.find(key);
    return it == j.end() ? std::string() : it->get<std::string>();
}

void encode(const payload::declared& p, payload_fields& out) {
    out.text("title", p.title);
    out.text("severity", to_string(p.level));
}
void encode(const payload::title_set& p, payload_fields& out) { out.text("title", p.title); }
void encode(const payload::severity_changed& p, payload_fields& out) {
    out.text("severity", to_string(p.level));
}
void encode(const payload::role_assigned& p, payload_fields& out) {
    out.text("role", p.role);
    out.person("holder", p.holder);
}
void encode(const payload::status_changed& p, payload_fields& out) {
    out.text("phase", to_string(p.to));
}
void encode(const payload::reopened&, payload_fields&) {}
void encode(const payload::started_marked&, payload_fields&) {}
void encode(const payload::detected& p, payload_fields& out) { out.text("how", to_string(p.how)); }
void encode(const payload::entry_added& p, payload_fields& out) {
    out.text("type", to_string(p.type));
    out.text("text", p.text);
    if (!p.author.id.empty() || !p.author.name.empty()) out.person("author", p.author);
    if (!p.url.empty()) out.text("url", p.url);
    if (!p.permalink.empty()) out.text("permalink", p.permalink);
    if (!p.origin_message.empty()) out.text("origin_message", p.origin_message);
}
void encode(const payload::entry_edited& p, payload_fields& out) {
    out.number("target", p.target);
    out.text("text", p.text);
}
void encode(const payload::entry_retracted& p, payload_fields& out) {
    out.number("target", p.target);
}
void encode(const payload::sitrep_posted& p, payload_fields& out) {
    out.text("status", p.status);
    out.text("impact", p.impact);
    out.text("next", p.next);
    if (p.next_update) out.number("next_update_seconds", p.next_update->count() / 1000);
}
void encode(const payload::impact_set& p, payload_fields& out) { out.text("text", p.text); }
void encode(const payload::cause_noted& p, payload_fields& out) {
    out.text("origin", to_string(p.origin));
    out.text("text", p.text);
}
void encode(const payload::resolution_noted& p, payload_fields& out) {
    out.text("type", to_string(p.type));
    out.text("text", p.text);
}
void encode(const payload::why_added& p, payload_fields& out) { out.text("text", p.text); }
void encode(const payload::lesson_added& p, payload_fields& out) {
    out.text("kind", to_string(p.kind));
    out.text("text", p.text);
}
void encode(const payload::action_added& p, payload_fields& out) {
    out.person("owner", p.owner);
    out.text("text", p.text);
    if (p.due) out.text("due", format_date(*p.due));
}
void encode(const payload::action_updated& p, payload_fields& out) {
    out.number("target", p.target);
    out.text("status", to_string(p.status));
}
void encode(const payload::security_flagged& p, payload_fields& out) { out.text("text", p.text); }
void encode(const payload::data_lost& p, payload_fields& out) { out.text("text", p.text); }
void encode(const payload::room_linked& p, payload_fields& out) {
    out.text("platform", p.platform);
    out.text("channel", p.channel);
}
void encode(const payload::room_unlinked& p, payload_fields& out) {
    out.text("platform", p.platform);
    out.text("channel", p.channel);
}
void encode(const payload::reminders_set& p, payload_fields& out) {
    out.boolean("enabled", p.enabled);
}
void encode(const payload::reminder_sent& p, payload_fields& out) {
    out.text("kind", to_string(p.kind));
    out.text("due", format_utc(p.due));
}

// The fields as a JSON object, for the store and `scribe export`.
class tree_fields final : public payload_fields {
  public:
    json tree = json::object();
    void text(std::string_view key, std::string_view value) override {
        tree[std::string(key)] = std::string(value);
    }
    void number(std::string_view key, std::int64_t value) override {
        tree[std::string(key)] = value;
    }
    void boolean(std::string_view key, bool value) override { tree[std::string(key)] = value; }
    void person(std::string_view key, const model::person& value) override {
        tree[std::string(key)] = person_to_json(value);
    }
};

event_payload decode(std::string_view kind, const json& j) {
    if (kind == "declared") {
        return payload::declared{j.at("title").get<std::string>(),
                                 enum_field<severity>(j, "severity")};
    }
    if (kind == "title_set") return payload::title_set{j.at("title").get<std::string>()};
    if (kind == "severity_changed") {
        return payload::severity_changed{enum_field<severity>(j, "severity")};
    }
    if (kind == "role_assigned") {
        return payload::role_assigned{j.at("role").get<std::string>(),
                                      person_from_json(j.at("holder"))};
    }
    if (kind == "status_changed") return payload::status_changed{enum_field<phase>(j, "phase")};
    if (kind == "reopened") return payload::reopened{};
    if (kind == "started_marked") return payload::started_marked{};
    if (kind == "detected") return payload::detected{enum_field<detection>(j, "how")};
    if (kind == "entry_added") {
        payload::entry_added p;
        p.type = enum_field<entry_type>(j, "type");
        p.text = j.at("text").get<std::string>();
        if (j.contains("author")) p.author = person_from_json(j.at("author"));
        p.url = text_field(j, "url");
        p.permalink = text_field(j, "permalink");
        p.origin_message = text_field(j, "origin_message");
        return p;
    }
    if (kind == "entry_edited") {
        return payload::entry_edited{j.at("target").get<std::int64_t>(),
                                     j.at("text").get<std::string>()};
    }
    if (kind == "entry_retracted") {
        return payload::entry_retracted{j.at("target").get<std::int64_t>()};
    }
    if (kind == "sitrep_posted") {
        payload::sitrep_posted p{text_field(j, "status"), text_field(j, "impact"),
                                 text_field(j, "next"), std::nullopt};
        if (j.contains("next_update_seconds")) {
            p.next_update = std::chrono::seconds{j.at("next_update_seconds").get<std::int64_t>()};
        }
        return p;
    }
    if (kind == "impact_set") return payload::impact_set{j.at("text").get<std::string>()};
    if (kind == "cause_noted") {
        return payload::cause_noted{enum_field<cause_origin>(j, "origin"), text_field(j, "text")};
    }
    if (kind == "resolution_noted") {
        return payload::resolution_noted{enum_field<resolution_type>(j, "type"),
                                         text_field(j, "text")};
    }
    if (kind == "why_added") return payload::why_added{j.at("text").get<std::string>()};
    if (kind == "lesson_added") {
        return payload::lesson_added{enum_field<lesson_kind>(j, "kind"),
                                     j.at("text").get<std::string>()};
    }
    if (kind == "action_added") {
        payload::action_added p{person_from_json(j.at("owner")), j.at("text").get<std::string>(),
                                std::nullopt};
        if (j.contains("due")) {
            p.due = parse_date(j.at("due").get<std::string>());
            if (!p.due) throw std::invalid_argument("bad due date");
        }
        return p;
    }
    if (kind == "action_updated") {
        return payload::action_updated{j.at("target").get<std::int64_t>(),
                                       enum_field<action_status>(j, "status")};
    }
    if (kind == "security_flagged") return payload::security_flagged{text_field(j, "text")};
    if (kind == "data_lost") return payload::data_lost{text_field(j, "text")};
    if (kind == "room_linked") {
        return payload::room_linked{j.at("platform").get<std::string>(),
                                    j.at("channel").get<std::string>()};
    }
    if (kind == "reminders_set") return payload::reminders_set{j.at("enabled").get<bool>()};
    if (kind == "reminder_sent") {
        const auto due = parse_utc(j.at("due").get<std::string>());
        if (!due) throw std::invalid_argument("bad due time");
        return payload::reminder_sent{enum_field<reminder_kind>(j, "kind"), *due};
    }
    if (kind == "room_unlinked") {
        return payload::room_unlinked{j.at("platform").get<std::string>(),
                                      j.at("channel").get<std::string>()};
    }
    throw std::invalid_argument("unknown event kind '" + std::string(kind) + "'");
}

}  // namespace

void write_payload(const event_payload& p, payload_fields& out) {
    std::visit([&out](const auto& v) { encode(v, out); }, p);
}

json payload_to_json(const event_payload& p) {
    tree_fields fields;
    write_payload(p, fields);
    return std::move(fields.tree);
}

std::optional<event_payload> payload_from_json(std::string_view kind, const json& j,
                                               std::string& error) {
    try {
        if (!j.is_object()) throw std::invalid_argument("payload is not an object");
        return decode(kind, j);
    } catch (const std::exception& e) {
        error = std::string(kind) + ": " + e.what();
        return std::nullopt;
    }
}

json person_to_json(const person& p) {
    return {{"platform", p.platform}, {"id", p.id}, {"name", p.name}};
}

person person_from_json(const json& j) {
    return {text_field(j, "platform"), text_field(j, "id"), text_field(j, "name")};
}

json event_to_json(const event& e) {
    return {{"schema", event_schema_version},
            {"incident", e.incident_id},
            {"seq", e.sequence},
            {"kind", kind_name(e.data)},
            {"occurred_at", format_utc(e.occurred_at)},
            {"recorded_at", format_utc(e.recorded_at)},
            {"actor", person_to_json(e.actor)},
            {"source",
             {{"platform", e.source.platform},
              {"channel", e.source.channel},
              {"message_id", e.source.message_id},
              {"part", e.source.part}}},
            {"payload", payload_to_json(e.data)}};
}

std::optional<event> event_from_json(const json& j, std::string& error) {
    try {
        if (!j.is_object()) throw std::invalid_argument("not an object");
        const int schema = j.at("schema").get<int>();
        if (schema > event_schema_version) {
            throw std::invalid_argument("written by a newer Scribe (event schema " +
                                        std::to_string(schema) + ")");
        }
        event e;
        e.incident_id = j.at("incident").get<std::int64_t>();
        e.sequence = j.at("seq").get<std::int64_t>();
        const auto occurred = parse_utc(j.at("occurred_at").get<std::string>());
        const auto recorded = parse_utc(j.at("recorded_at").get<std::string>());
        if (!occurred || !recorded) throw std::invalid_argument("bad timestamp");
        e.occurred_at = *occurred;
        e.recorded_at = *recorded;
        e.actor = person_from_json(j.at("actor"));
        const auto& src = j.at("source");
        e.source = {text_field(src, "platform"), text_field(src, "channel"),
                    text_field(src, "message_id"),
                    src.contains("part") ? src.at("part").get<int>() : 0};
        auto data = payload_from_json(j.at("kind").get<std::string>(), j.at("payload"), error);
        if (!data) return std::nullopt;
        e.data = std::move(*data);
        return e;
    } catch (const std::exception& ex) {
        error = ex.what();
        return std::nullopt;
    }
}

}  // namespace scribe::model
