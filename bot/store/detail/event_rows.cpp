// Events to rows and back: times as milliseconds, payloads as the codec's JSON.
#include "bot/store/detail/event_rows.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "bot/model/codec.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::store::detail {

std::int64_t to_millis(model::timestamp t) { return t.time_since_epoch().count(); }

void insert_event(statement& insert, const model::event& e) {
    // replace: a chat message with broken UTF-8 is still recorded (with U+FFFD) rather than
    // failing the whole batch it came in.
    const std::string payload = model::payload_to_json(e.data).dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    insert.run(e.incident_id, e.sequence, std::string(model::kind_name(e.data)),
               to_millis(e.occurred_at), to_millis(e.recorded_at), e.actor.platform, e.actor.id,
               e.actor.name, e.source.platform, e.source.channel, e.source.message_id,
               e.source.part, payload);
}

model::event event_from_row(const statement::cursor& row) {
    model::event e;
    e.incident_id = row.int64(0);
    e.sequence = row.int64(1);
    const std::string kind = row.text(2);
    e.occurred_at = model::timestamp{model::duration{row.int64(3)}};
    e.recorded_at = model::timestamp{model::duration{row.int64(4)}};
    e.actor = {row.text(5), row.text(6), row.text(7)};
    e.source = {row.text(8), row.text(9), row.text(10), static_cast<int>(row.int64(11))};
    const auto json = nlohmann::json::parse(row.text(12), nullptr, false);
    std::string error = "not JSON";
    auto data = json.is_discarded() ? std::nullopt : model::payload_from_json(kind, json, error);
    if (!data) {
        throw store_error("incident " + std::to_string(e.incident_id) + " event #" +
                          std::to_string(e.sequence) + " cannot be read: " + error);
    }
    e.data = std::move(*data);
    return e;
}

std::string format_day(const std::chrono::year_month_day& day) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    return text;
}

std::optional<std::chrono::year_month_day> parse_day(const std::string& text) {
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    if (std::sscanf(text.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::nullopt;
    const std::chrono::year_month_day day{std::chrono::year{y}, std::chrono::month{m},
                                          std::chrono::day{d}};
    if (!day.ok()) return std::nullopt;
    return day;
}

bool same_record(const model::event& a, const model::event& b) {
    model::event renumbered = b;
    renumbered.incident_id = a.incident_id;
    renumbered.sequence = a.sequence;
    return model::event_to_json(a) == model::event_to_json(renumbered);
}

}  // namespace scribe::store::detail
