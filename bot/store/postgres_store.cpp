// The PostgreSQL store: the shared write queue and reader, on connections that are opened
// again when PostgreSQL goes away.
#include "bot/store/postgres_store.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "bot/store/detail/event_reader.hpp"
#include "bot/store/detail/event_writer.hpp"
#include "bot/store/detail/write_queue.hpp"
#include "bot/store/postgres/pg_schema.hpp"

namespace scribe::store {

namespace {

using namespace std::chrono_literals;

// How long a group waits for PostgreSQL to come back before it fails, and the waits between
// tries (doubling from the first to the last).
constexpr auto reconnect_budget = 60s;
constexpr auto first_wait = 100ms;
constexpr auto longest_wait = 5s;

postgres::connection connect_migrated(const std::string& conninfo) {
    postgres::connection db(conninfo);
    postgres::migrate(db);
    return db;
}

// The PostgreSQL writer, connected again (and the group tried again) when the connection was
// lost. A group is tried on a copy of its batches, since a try fills in ids and sequences.
class reconnecting_writer final : public detail::batch_writer {
  public:
    explicit reconnecting_writer(const std::string& conninfo)
        : conninfo_(conninfo),
          writer_(std::make_unique<detail::postgres_event_writer>(connect_migrated(conninfo))) {}

    std::vector<append_result> commit(std::span<std::vector<model::event>> batches,
                                      std::span<const detail::cursor_update> cursors) override {
        const auto deadline = std::chrono::steady_clock::now() + reconnect_budget;
        auto wait = first_wait;
        std::string lost;
        for (;;) {
            try {
                if (!writer_)
                    writer_ = std::make_unique<detail::postgres_event_writer>(
                        connect_migrated(conninfo_));
                std::vector<std::vector<model::event>> attempt(batches.begin(), batches.end());
                auto results = writer_->commit(attempt, cursors);
                if (writer_->db().ok()) {
                    std::move(attempt.begin(), attempt.end(), batches.begin());
                    return results;
                }
                lost = results.empty() ? "the connection was lost" : results.front().error;
                writer_.reset();
            } catch (const store_error& e) {
                lost = e.what();
                writer_.reset();
            }
            if (std::chrono::steady_clock::now() + wait > deadline) break;
            std::this_thread::sleep_for(wait);
            wait = std::min(wait * 2,
                            std::chrono::duration_cast<std::chrono::milliseconds>(longest_wait));
        }
        return std::vector<append_result>(batches.size() + cursors.size(),
                                          append_result{{},
                                                        "not stored, PostgreSQL is "
                                                        "unreachable: " +
                                                            lost});
    }

    import_report import(const std::vector<model::event>& events, bool dry_run) override {
        if (!writer_) {
            writer_ = std::make_unique<detail::postgres_event_writer>(connect_migrated(conninfo_));
        }
        try {
            return writer_->import(events, dry_run);
        } catch (...) {
            if (!writer_->db().ok()) writer_.reset();
            throw;
        }
    }

  private:
    std::string conninfo_;
    std::unique_ptr<detail::postgres_event_writer> writer_;  // null while disconnected
};

}  // namespace

// Reads are tried once more on a new connection when the connection was lost.
struct postgres_store::parts {
    explicit parts(const std::string& info)
        : conninfo(info),
          writes(
              std::make_unique<detail::write_queue>(std::make_unique<reconnecting_writer>(info))),
          reader(std::make_unique<detail::postgres_event_reader>(postgres::connection(info))) {}

    template <class Read>
    auto read(Read read_with) {
        std::unique_lock lock(mutex);
        try {
            if (!reader) {
                reader =
                    std::make_unique<detail::postgres_event_reader>(postgres::connection(conninfo));
            }
            return read_with(*reader);
        } catch (const postgres::connection_lost&) {
            reader =
                std::make_unique<detail::postgres_event_reader>(postgres::connection(conninfo));
            return read_with(*reader);
        }
    }

    std::string conninfo;
    std::unique_ptr<detail::write_queue> writes;
    std::mutex mutex;  // guards `reader` itself; it serialises its queries
    std::unique_ptr<detail::postgres_event_reader> reader;
};

std::unique_ptr<postgres_store> postgres_store::open(const std::string& conninfo) {
    return std::unique_ptr<postgres_store>(new postgres_store(std::make_unique<parts>(conninfo)));
}

postgres_store::postgres_store(std::unique_ptr<parts> p) : parts_(std::move(p)) {}

postgres_store::~postgres_store() { parts_->writes->flush(); }

void postgres_store::append(std::vector<model::event> events, append_callback done) {
    parts_->writes->append(std::move(events), std::move(done));
}

void postgres_store::flush() { parts_->writes->flush(); }

std::vector<model::event> postgres_store::load_incident(std::int64_t incident_id) {
    return parts_->read([&](auto& r) { return r.load_incident(incident_id); });
}

std::optional<std::int64_t> postgres_store::open_incident_in(const model::source_key& channel) {
    return parts_->read([&](auto& r) { return r.open_incident_in(channel); });
}

std::optional<std::int64_t> postgres_store::latest_incident_in(const model::source_key& channel) {
    return parts_->read([&](auto& r) { return r.latest_incident_in(channel); });
}

std::vector<incident_summary> postgres_store::list_incidents(bool open_only) {
    return parts_->read([&](auto& r) { return r.list_incidents(open_only); });
}

std::vector<open_action> postgres_store::list_open_actions() {
    return parts_->read([&](auto& r) { return r.list_open_actions(); });
}

void postgres_store::for_each_event(const std::function<void(const model::event&)>& visit) {
    // On a connection of its own (the reader opens one), so `visit` may read from the store.
    detail::postgres_event_reader exporter{postgres::connection(parts_->conninfo)};
    exporter.for_each_event(visit);
}

import_report postgres_store::import_events(const std::vector<model::event>& events, bool dry_run) {
    return parts_->writes->import(events, dry_run);
}

void postgres_store::save_cursor(std::string name, std::string value, append_callback done) {
    parts_->writes->save_cursor({std::move(name), std::move(value)}, std::move(done));
}

std::optional<std::string> postgres_store::load_cursor(const std::string& name) {
    return parts_->read([&](auto& r) { return r.load_cursor(name); });
}

}  // namespace scribe::store
