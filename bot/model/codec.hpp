// Events to and from JSON: the one encoding used by the store's payload column, the JSON
// export and `scribe export` / `scribe import`.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "bot/model/event.hpp"

namespace scribe::model {

// Version of the event encoding; bump it with every incompatible change, and teach
// event_from_json the older ones.
inline constexpr int event_schema_version = 1;

// What a payload's encoder writes its fields to: a JSON object (payload_to_json), or a writer
// that streams them (the JSON export). Each field once; the order is the encoder's.
class payload_fields {
  public:
    virtual ~payload_fields() = default;
    virtual void text(std::string_view key, std::string_view value) = 0;
    virtual void number(std::string_view key, std::int64_t value) = 0;
    virtual void boolean(std::string_view key, bool value) = 0;
    virtual void person(std::string_view key, const model::person& value) = 0;
};

// The one definition of each payload kind's fields.
void write_payload(const event_payload& p, payload_fields& out);

nlohmann::json payload_to_json(const event_payload& p);

// nullopt with `error` set when the kind is unknown or a field is missing or mistyped.
std::optional<event_payload> payload_from_json(std::string_view kind, const nlohmann::json& j,
                                               std::string& error);

nlohmann::json person_to_json(const person& p);
person person_from_json(const nlohmann::json& j);

// The whole event: ids, times (ISO 8601 UTC), actor, source, kind and payload.
nlohmann::json event_to_json(const event& e);
std::optional<event> event_from_json(const nlohmann::json& j, std::string& error);

}  // namespace scribe::model
