// Helpers shared by the store tests: a fresh directory per test, events to append, file bytes.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "bot/model/codec.hpp"
#include "bot/model/event.hpp"
#include "bot/store/event_store.hpp"
#include "bot/store/sqlite_store.hpp"

namespace scribe::store::test {

// A directory of its own under the system's temporary directory, removed with its contents.
class temp_dir {
public:
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "scribe-store-XXXXXX");
        if (!::mkdtemp(pattern.data())) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp");
        }
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
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

inline model::event note(std::int64_t incident_id, std::string text,
                         std::string message_id = {}) {
    return make_event(incident_id, model::payload::entry_added{model::entry_type::note,
                                                               std::move(text), {}, {}, {}},
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
