// Events to rows and back: times as milliseconds, payloads as the codec's JSON.
#include "bot/store/detail/event_rows.hpp"

#include <nlohmann/json.hpp>

#include "bot/model/codec.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::store::detail {

std::int64_t to_millis(model::timestamp t) { return t.time_since_epoch().count(); }

std::string payload_text(const model::event& e) {
    // replace: a chat message with broken UTF-8 is still recorded (with U+FFFD) rather than
    // failing the whole batch it came in.
    return model::payload_to_json(e.data).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

void read_payload(model::event& e, const std::string& kind, const std::string& text) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    std::string error = "not JSON";
    auto data = json.is_discarded() ? std::nullopt : model::payload_from_json(kind, json, error);
    if (!data) {
        throw store_error("incident " + std::to_string(e.incident_id) + " event #" +
                          std::to_string(e.sequence) + " cannot be read: " + error);
    }
    e.data = std::move(*data);
}

bool same_record(const model::event& a, const model::event& b) {
    model::event renumbered = b;
    renumbered.incident_id = a.incident_id;
    renumbered.sequence = a.sequence;
    return model::event_to_json(a) == model::event_to_json(renumbered);
}

}  // namespace scribe::store::detail
