// The checks an import's events must pass before the store is touched.
#include "bot/store/import.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace scribe::store {
namespace {

std::string incident_text(std::int64_t id) { return "incident " + std::to_string(id); }

}  // namespace

std::optional<import_problem> check_import(std::span<const model::event> events) {
    std::map<std::int64_t, std::vector<std::size_t>> by_incident;
    std::map<std::tuple<std::string, std::string, std::string, int>, std::size_t> sources;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        if (e.incident_id <= 0 || e.incident_id > max_import_incident_id) {
            return import_problem{i, std::nullopt,
                                  "incident: " + std::to_string(e.incident_id) +
                                      " is not an incident number (1 to " +
                                      std::to_string(max_import_incident_id) + ")"};
        }
        if (e.sequence <= 0) {
            return import_problem{i, std::nullopt,
                                  "seq: " + std::to_string(e.sequence) +
                                      " is not a sequence number (1 or more)"};
        }
        by_incident[e.incident_id].push_back(i);
        if (e.source.message_id.empty()) continue;
        const auto key = std::tuple(e.source.platform, e.source.channel, e.source.message_id,
                                    e.source.part);
        if (const auto [it, fresh] = sources.emplace(key, i); !fresh) {
            return import_problem{i, it->second,
                                  "source: the message " + e.source.message_id + " in " +
                                      e.source.channel + " is recorded twice"};
        }
    }
    for (auto& [id, indices] : by_incident) {
        const bool declared = std::any_of(indices.begin(), indices.end(), [&](std::size_t i) {
            return std::holds_alternative<model::payload::declared>(events[i].data);
        });
        if (!declared) {
            return import_problem{indices.front(), std::nullopt,
                                  "kind: " + incident_text(id) +
                                      " has no declaration, so its events belong to nothing"};
        }
        std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
            return events[a].sequence < events[b].sequence;
        });
        for (std::size_t k = 0; k < indices.size(); ++k) {
            const auto& e = events[indices[k]];
            const auto expected = static_cast<std::int64_t>(k) + 1;
            if (e.sequence < expected) {
                return import_problem{indices[k], indices[k - 1],
                                      "seq: " + incident_text(id) + " has event #" +
                                          std::to_string(e.sequence) + " twice"};
            }
            if (e.sequence > expected) {
                return import_problem{indices[k], std::nullopt,
                                      "seq: " + incident_text(id) + " has no event #" +
                                          std::to_string(expected) + " before #" +
                                          std::to_string(e.sequence)};
            }
            const bool declares = std::holds_alternative<model::payload::declared>(e.data);
            if (k == 0 && !declares) {
                return import_problem{indices[k], std::nullopt,
                                      "kind: " + incident_text(id) +
                                          " does not begin with its declaration"};
            }
            if (k > 0 && declares) {
                return import_problem{indices[k], indices[0],
                                      "kind: " + incident_text(id) + " is declared twice"};
            }
        }
    }
    return std::nullopt;
}

}  // namespace scribe::store
