// Helpers shared by the store tests: a fresh directory per test, events to append, file bytes.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/model/codec.hpp"
#include "bot/model/event.hpp"
#include "bot/store/event_store.hpp"
#include "bot/store/sqlite_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace scribe::store::test {

// The shared fresh folder, with the file names the store tests open in it.
struct temp_dir : testing::temp_dir {
    std::string file(const std::string& name) const { return (*this / name).string(); }
};

inline const model::person alice{"console", "U1", "Alice"};
inline const model::person bob{"console", "U2", "Bob"};

// Minutes after a fixed moment, so tests never read the clock.
inline model::timestamp at(std::int64_t minute) {
    return model::timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 21}} +
           std::chrono::minutes{minute};
}

inline model::event make_event(std::int64_t incident_id, model::event_payload data,
                               std::string message_id = {}, std::string channel = "C1",
                               int part = 0) {
    model::event e;
    e.incident_id = incident_id;
    e.occurred_at = at(0);
    e.recorded_at = at(1);
    e.actor = alice;
    e.source = {"console", std::move(channel), std::move(message_id), part};
    e.data = std::move(data);
    return e;
}

inline model::event declare(std::string title, std::string message_id = {},
                            std::string channel = "C1") {
    return make_event(0, model::payload::declared{std::move(title), model::severity::sev2},
                      std::move(message_id), std::move(channel));
}

inline model::event note(std::int64_t incident_id, std::string text, std::string message_id = {}) {
    return make_event(
        incident_id,
        model::payload::entry_added{model::entry_type::note, std::move(text), {}, {}, {}},
        std::move(message_id));
}

inline model::event status(std::int64_t incident_id, model::phase to) {
    return make_event(incident_id, model::payload::status_changed{to});
}

// Appends one batch and waits until it is committed.
inline append_result append_now(event_store& store, std::vector<model::event> events) {
    append_result result;
    result.error = "callback never ran";
    store.append(std::move(events), [&result](append_result r) { result = std::move(r); });
    store.flush();
    return result;
}

// prefix followed by n; spelled out because g++ 12 at -O3 warns, falsely, about
// "literal" + std::to_string(n) (-Wrestrict).
inline std::string numbered(std::string prefix, std::int64_t n) {
    prefix += std::to_string(n);
    return prefix;
}

inline std::string to_json(const model::event& e) { return model::event_to_json(e).dump(); }

inline std::vector<std::string> to_json(const std::vector<model::event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(to_json(e));
    return out;
}

inline std::vector<model::event> export_all(event_store& store) {
    std::vector<model::event> events;
    store.for_each_event([&](const model::event& e) { events.push_back(e); });
    return events;
}

inline std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Writes all of `text` to a pipe or file, as far as the descriptor takes it.
inline void write_all(int fd, const std::string& text) {
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const auto written = ::write(fd, data, left);
        if (written <= 0) return;
        data += written;
        left -= static_cast<std::size_t>(written);
    }
}

// The message of the store_error that opening `path` throws; empty when it opens.
inline std::string open_error(const std::string& path) {
    try {
        sqlite_store::open(path);
    } catch (const store_error& e) {
        return e.what();
    }
    return {};
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace scribe::store::test
