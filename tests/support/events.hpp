// Builders for hand-written event logs in tests.
#pragma once

#include <string>
#include <vector>

#include "bot/model/event.hpp"
#include "bot/model/time.hpp"

namespace scribe::testing {

inline model::timestamp at(const char* iso) { return *model::parse_utc(iso); }

inline model::person user(const std::string& id, const std::string& name) {
    return {"console", id, name};
}

// Appends events to one incident with consecutive sequence numbers.
class log_builder {
public:
    explicit log_builder(std::int64_t incident_id = 1) : incident_id_(incident_id) {}

    log_builder& add(model::timestamp occurred, model::person actor, model::event_payload data,
                     std::optional<model::timestamp> recorded = std::nullopt) {
        model::event e;
        e.incident_id = incident_id_;
        e.sequence = static_cast<std::int64_t>(events_.size()) + 1;
        e.occurred_at = occurred;
        e.recorded_at = recorded.value_or(occurred);
        e.actor = std::move(actor);
        e.source = {"console", "ops", "m" + std::to_string(e.sequence), 0};
        e.data = std::move(data);
        events_.push_back(std::move(e));
        return *this;
    }

    const std::vector<model::event>& events() const { return events_; }

private:
    std::int64_t incident_id_;
    std::vector<model::event> events_;
};

}  // namespace scribe::testing
