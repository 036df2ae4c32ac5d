// What the integration tests share: patience, the child process, reading the store back.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace scribe::testing {

using namespace std::chrono_literals;

inline constexpr auto patience = 15s;

// Every event in the store at `db`, from `scribe export` (run it after the bot has stopped).
inline std::vector<nlohmann::json> exported_events(const std::string& db) {
    const auto exported = run_scribe({"--db", db, "export"});
    REQUIRE(exported.exit_code == 0);
    std::vector<nlohmann::json> events;
    std::istringstream lines(exported.out);
    for (std::string line; std::getline(lines, line);) {
        events.push_back(nlohmann::json::parse(line));
    }
    return events;
}

// How many stored timeline notes carry each text.
inline std::map<std::string, int> note_counts(const std::vector<nlohmann::json>& events) {
    std::map<std::string, int> counts;
    for (const auto& e : events) {
        if (e.at("kind") == "entry_added") ++counts[e.at("payload").at("text").get<std::string>()];
    }
    return counts;
}

}  // namespace scribe::testing
