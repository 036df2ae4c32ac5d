// The JSON export: the folded state for readers who want answers, and the events for those
// who want to replay them. Schema in docs/json-export.md.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "bot/model/codec.hpp"
#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

// Bumped on every incompatible change to the document; additions keep the version.
constexpr int export_schema_version = 2;

// A JSON string as dump(…, ensure_ascii false, replace) writes it: one that needs no escaping
// (most chat text) is copied; the rest is left to nlohmann (escapes, invalid UTF-8 replaced).
void write_string(std::string& out, std::string_view text) {
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
    });
    if (!plain) {
        out += nlohmann::json(std::string(text))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    out += text;
    out += '"';
}

// Writes JSON as dump(2) lays it out, member by member, with no document built first: the
// export of a long incident is mostly this, and building it as nlohmann trees cost ten times
// more than writing it.
class json_stream {
  public:
    json_stream(std::string& out, int depth) : out_(out), base_(depth) {}

    // Members of the current object, elements of the current array.
    // `name` is one of ours, or a role from chat (escaped like any text).
    json_stream& key(std::string_view name) {
        next();
        write_string(out_, name);
        out_ += ": ";
        return *this;
    }
    json_stream& item() {
        next();
        return *this;
    }

    void open_object() { open('{'); }
    void open_array() { open('['); }
    void close() {
        const auto closing = frames_.back();
        frames_.pop_back();
        if (!closing.empty) {
            out_ += '\n';
            indent(depth());
        }
        out_ += closing.bracket == '{' ? '}' : ']';
    }

    void text(std::string_view value) { write_string(out_, value); }
    void number(std::int64_t value) { out_ += std::to_string(value); }
    void boolean(bool value) { out_ += value ? "true" : "false"; }
    void null() { out_ += "null"; }
    void time(model::timestamp t) {
        out_ += '"';
        model::append_utc(out_, t);
        out_ += '"';
    }

  private:
    struct level {
        char bracket;
        bool empty = true;
    };
    int depth() const { return base_ + static_cast<int>(frames_.size()); }
    void indent(int depth_now) { out_.append(static_cast<std::size_t>(depth_now) * 2, ' '); }
    void open(char bracket) {
        out_ += bracket;
        frames_.push_back({bracket});
    }
    void next() {
        auto& current = frames_.back();
        out_ += current.empty ? "\n" : ",\n";
        current.empty = false;
        indent(depth());
    }

    std::string& out_;
    int base_;
    std::vector<level> frames_;
};

// The codec's person (its keys sorted), built here directly: it is in every entry.
void write_person(json_stream& w, const model::person& who) {
    w.open_object();
    w.key("id").text(who.id);
    w.key("name").text(who.name);
    w.key("platform").text(who.platform);
    w.close();
}

void write_optional_text(json_stream& w, std::string_view name, bool present,
                         std::string_view value) {
    w.key(name);
    if (present) {
        w.text(value);
    } else {
        w.null();
    }
}

// The members every recorded item has; the caller opens and closes its object.
void item_members(json_stream& w, const model::recorded_item& item) {
    w.key("number").number(item.number);
    w.key("happened_at").time(item.happened_at);
    w.key("recorded_at").time(item.recorded_at);
    w.key("recorded_by");
    write_person(w, item.recorded_by);
    w.key("history");
    w.open_array();
    for (const auto& r : item.history) {
        w.item().open_object();
        w.key("sequence").number(r.sequence);
        w.key("at").time(r.at);
        w.key("by");
        write_person(w, r.by);
        w.key("previous_text").text(r.previous_text);
        w.close();
    }
    w.close();
    w.key("retracted");
    if (item.retracted) {
        w.open_object();
        w.key("sequence").number(item.retracted->sequence);
        w.key("at").time(item.retracted->at);
        w.key("by");
        write_person(w, item.retracted->by);
        w.close();
    } else {
        w.null();
    }
}

void text_item_members(json_stream& w, const model::text_item& item) {
    item_members(w, item);
    w.key("text").text(item.text);
}

void write_text_item(json_stream& w, const model::text_item& item) {
    w.open_object();
    text_item_members(w, item);
    w.close();
}

void write_entry(json_stream& w, const model::timeline_entry& e) {
    w.open_object();
    item_members(w, e);
    w.key("kind").text(kind_label(e.kind));
    w.key("text").text(e.text);
    w.key("author");
    write_person(w, e.author);
    w.key("url").text(e.url);
    w.key("permalink").text(e.permalink);
    write_optional_text(w, "phase_to", e.phase_to.has_value(),
                        e.phase_to ? model::to_string(*e.phase_to) : "");
    write_optional_text(w, "marker", !e.marker.empty(), e.marker);
    w.key("reopens").boolean(e.reopens);
    w.close();
}

void write_sitrep(json_stream& w, const model::sitrep& s) {
    w.open_object();
    item_members(w, s);
    w.key("status").text(s.status);
    w.key("impact").text(s.impact);
    w.key("next").text(s.next);
    w.key("next_update_seconds");
    if (s.next_update) {
        w.number(detail::whole_seconds(*s.next_update));
    } else {
        w.null();
    }
    w.close();
}

void write_lesson(json_stream& w, const model::lesson& l) {
    w.open_object();
    text_item_members(w, l);
    w.key("kind").text(model::to_string(l.kind));
    w.close();
}

void write_action(json_stream& w, const model::action_item& a) {
    w.open_object();
    text_item_members(w, a);
    w.key("owner");
    write_person(w, a.owner);
    write_optional_text(w, "due", a.due.has_value(), a.due ? format_date(*a.due) : "");
    w.key("status").text(model::to_string(a.status));
    write_optional_text(w, "status_changed_at", a.status_changed_at.has_value(),
                        a.status_changed_at ? model::format_utc(*a.status_changed_at) : "");
    w.close();
}

template <class Item>
void write_list(json_stream& w, std::string_view name, const std::vector<Item>& items,
                void (*write)(json_stream&, const Item&)) {
    w.key(name).open_array();
    for (const auto& item : items) {
        w.item();
        write(w, item);
    }
    w.close();
}

// A text item that may be missing, with `extra` members after its own.
template <class Extra>
void write_optional_item(json_stream& w, std::string_view name,
                         const std::optional<model::text_item>& item, Extra extra) {
    w.key(name);
    if (!item) {
        w.null();
        return;
    }
    w.open_object();
    text_item_members(w, *item);
    extra();
    w.close();
}

void write_mark(json_stream& w, const model::marker& m) {
    w.open_object();
    w.key("number").number(m.number);
    w.key("at").time(m.at);
    w.close();
}

void write_point(json_stream& w, std::string_view name, const model::marked_point& p) {
    w.key(name).open_object();
    w.key("what").text(p.what);
    w.key("number").number(p.number);
    w.key("at").time(p.at);
    w.close();
}

void write_state(json_stream& w, const detail::context& ctx) {
    const auto& inc = ctx.incident;
    w.open_object();
    w.key("id").number(inc.id);
    w.key("title").text(inc.title);
    w.key("severity").text(model::to_string(inc.level));
    w.key("phase").text(model::to_string(inc.current));
    w.key("open").boolean(inc.is_open());
    w.key("channel").open_object();
    w.key("platform").text(inc.channel.platform);
    w.key("channel").text(inc.channel.channel);
    w.close();
    w.key("declared_by");
    write_person(w, inc.declared_by);
    w.key("declared_at").time(inc.declared_at);
    w.key("last_sequence").number(inc.last_sequence);
    w.key("roles").open_object();
    for (const auto& [role, holder] : inc.roles) {
        w.key(role);
        write_person(w, holder);
    }
    w.close();
    w.key("participants").open_array();
    for (const auto& who : inc.participants()) {
        w.item();
        write_person(w, who);
    }
    w.close();

    w.key("markers").open_object();
    for (const auto& spec : detail::marker_specs) {
        w.key(spec.name);
        if (const auto& m = inc.marks.*spec.field) {
            write_mark(w, *m);
        } else {
            w.null();
        }
    }
    w.close();
    write_list(w, "earlier_resolutions", inc.marks.earlier_resolutions, write_mark);
    write_list(w, "reopened", inc.marks.reopened, write_mark);

    w.key("metrics").open_object();
    w.key("started_at").time(ctx.start.at);
    w.key("start_basis")
        .text(ctx.start.from == model::impact_start::basis::declaration ? "declaration"
              : ctx.start.from == model::impact_start::basis::started   ? "started"
                                                                        : "earlier_marker");
    w.key("start_number").number(ctx.start.number);
    for (const auto& spec : detail::metric_specs) {
        w.key(std::string(spec.key) + "_seconds");
        if (const auto& value = ctx.metrics.*spec.field) {
            w.number(detail::whole_seconds(*value));
        } else {
            w.null();
        }
    }
    w.close();

    w.key("conflicts").open_array();
    for (const auto& c : ctx.conflicts) {
        w.item().open_object();
        w.key("kind").text(c.type == model::conflict::kind::out_of_order ? "out_of_order"
                           : c.type == model::conflict::kind::phase_backwards
                               ? "phase_backwards"
                               : "unresolved_reopen");
        write_point(w, "earlier", c.earlier);
        write_point(w, "later", c.later);
        w.close();
    }
    w.close();
    const auto how = detail::detection_of(inc);
    write_optional_text(w, "detection", how.has_value(), how ? model::to_string(*how) : "");
    write_list(w, "timeline", inc.timeline, write_entry);
    write_list(w, "sitreps", inc.sitreps, write_sitrep);
    write_optional_item(w, "impact", inc.impact, [] {});
    write_optional_item(w, "cause", inc.cause,
                        [&] { w.key("origin").text(model::to_string(inc.origin)); });
    write_optional_item(w, "resolution", inc.resolution,
                        [&] { w.key("type").text(model::to_string(inc.resolution_kind)); });
    write_list(w, "whys", inc.whys, write_text_item);
    write_list(w, "lessons", inc.lessons, write_lesson);
    write_list(w, "actions", inc.actions, write_action);
    w.key("security").open_object();
    w.key("flagged").boolean(inc.security_flagged());
    write_list(w, "notes", inc.security_notes, write_text_item);
    w.close();
    w.key("data_loss").open_object();
    w.key("lost").boolean(inc.data_lost());
    write_list(w, "notes", inc.data_loss_notes, write_text_item);
    w.close();
    w.close();
}

// A payload's fields as the codec gives them, written in the order of its JSON objects (keys
// sorted); the texts are kept in one buffer reused from event to event.
class stream_fields final : public model::payload_fields {
  public:
    void text(std::string_view key, std::string_view value) override {
        fields_.push_back({key, kind::text, scratch_.size(), value.size(), 0, nullptr});
        scratch_ += value;
    }
    void number(std::string_view key, std::int64_t value) override {
        fields_.push_back({key, kind::number, 0, 0, value, nullptr});
    }
    void boolean(std::string_view key, bool value) override {
        fields_.push_back({key, kind::boolean, 0, 0, value ? 1 : 0, nullptr});
    }
    void person(std::string_view key, const model::person& value) override {
        fields_.push_back({key, kind::person, 0, 0, 0, &value});
    }

    void write(json_stream& w, const model::event_payload& payload) {
        fields_.clear();
        scratch_.clear();
        model::write_payload(payload, *this);
        std::sort(fields_.begin(), fields_.end(),
                  [](const field& a, const field& b) { return a.key < b.key; });
        w.open_object();
        for (const auto& f : fields_) {
            w.key(f.key);
            switch (f.type) {
                case kind::text:
                    w.text(std::string_view(scratch_).substr(f.at, f.size));
                    break;
                case kind::number:
                    w.number(f.number);
                    break;
                case kind::boolean:
                    w.boolean(f.number != 0);
                    break;
                case kind::person:
                    write_person(w, *f.who);
                    break;
            }
        }
        w.close();
    }

  private:
    enum class kind { text, number, boolean, person };
    struct field {
        std::string_view key;
        kind type;
        std::size_t at;  // of a text, in scratch_
        std::size_t size;
        std::int64_t number;
        const model::person* who;
    };
    std::vector<field> fields_;
    std::string scratch_;
};

// An event as the codec writes it (event_to_json: its keys sorted).
void write_event(json_stream& w, stream_fields& payload_fields, const model::event& e) {
    w.open_object();
    w.key("actor");
    write_person(w, e.actor);
    w.key("incident").number(e.incident_id);
    w.key("kind").text(model::kind_name(e.data));
    w.key("occurred_at").time(e.occurred_at);
    w.key("payload");
    payload_fields.write(w, e.data);
    w.key("recorded_at").time(e.recorded_at);
    w.key("schema").number(model::event_schema_version);
    w.key("seq").number(e.sequence);
    w.key("source").open_object();
    w.key("channel").text(e.source.channel);
    w.key("message_id").text(e.source.message_id);
    w.key("part").number(e.source.part);
    w.key("platform").text(e.source.platform);
    w.close();
    w.close();
}

}  // namespace

std::string incident_json(const model::incident& incident, std::span<const model::event> events,
                          const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    std::string out;
    // About what an event and its timeline entry take, so the text is not copied as it grows.
    out.reserve(4096 + events.size() * 1400);
    json_stream w(out, 0);
    w.open_object();
    w.key("schema_version").number(export_schema_version);
    w.key("generated_at").time(opts.generated_at);
    w.key("zone").text(opts.zone.name());
    w.key("incident");
    write_state(w, ctx);
    w.key("events").open_array();
    stream_fields payload_fields;
    for (const auto& e : events) {
        w.item();
        write_event(w, payload_fields, e);
    }
    w.close();
    w.close();
    out += '\n';
    return out;
}

}  // namespace scribe::render
