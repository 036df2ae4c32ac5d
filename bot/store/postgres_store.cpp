// The PostgreSQL store: the shared write queue and reader, on connections that are opened
// again when PostgreSQL goes away.
#include "bot/store/postgres_store.hpp"

#include <algorithm>
#include <atomic>
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

// Where the store is, and the password to get in (empty: libpq's own sources).
struct server_address {
    std::string conninfo;
    std::string password;

    postgres::connection connect() const { return postgres::connection(conninfo, password); }
};

postgres::connection connect_migrated(const server_address& server) {
    auto db = server.connect();
    postgres::migrate(db);
    return db;
}

constexpr const char* read_only_refusal = "the store was opened for reading only";

// What the writer tells the rest of the store about its connection, from its own thread.
struct writer_state {
    std::atomic<std::int64_t> fence{0};  // the lease epoch to check, 0: none
    std::atomic<std::uint64_t> reconnects{0};
    mutable std::mutex mutex;
    std::string outage;  // while waiting for PostgreSQL: why
};

// The PostgreSQL writer, connected again (and the group tried again) when the connection was
// lost. A group is tried on a copy of its batches, since a try fills in ids and sequences.
class reconnecting_writer final : public detail::batch_writer {
  public:
    reconnecting_writer(server_address server, std::shared_ptr<writer_state> state)
        : server_(std::move(server)),
          state_(std::move(state)),
          writer_(std::make_unique<detail::postgres_event_writer>(connect_migrated(server_))) {}

    std::vector<append_result> commit(std::span<detail::write_batch> batches,
                                      std::span<const detail::bookkeeping> after) override {
        const auto deadline = std::chrono::steady_clock::now() + reconnect_budget;
        auto wait = first_wait;
        std::string lost;
        for (;;) {
            try {
                connect_again();
                writer_->db().fence_writes(state_->fence.load());
                std::vector<detail::write_batch> attempt(batches.begin(), batches.end());
                auto results = writer_->commit(attempt, after);
                if (writer_->db().ok()) {
                    std::move(attempt.begin(), attempt.end(), batches.begin());
                    set_outage({});
                    return results;
                }
                lost = results.empty() ? "the connection was lost" : results.front().error;
                writer_.reset();
            } catch (const store_error& e) {
                lost = e.what();
                writer_.reset();
            }
            set_outage(lost);
            if (std::chrono::steady_clock::now() + wait > deadline) break;
            std::this_thread::sleep_for(wait);
            wait = std::min(wait * 2,
                            std::chrono::duration_cast<std::chrono::milliseconds>(longest_wait));
        }
        return std::vector<append_result>(batches.size() + after.size(),
                                          append_result{{},
                                                        "not stored, PostgreSQL is "
                                                        "unreachable: " +
                                                            lost});
    }

    import_report import(const std::vector<model::event>& events, bool dry_run) override {
        connect_again();
        try {
            writer_->db().fence_writes(state_->fence.load());
            return writer_->import(events, dry_run);
        } catch (...) {
            if (!writer_->db().ok()) writer_.reset();
            throw;
        }
    }

  private:
    // Opens the connection the last failure lost, if it did.
    void connect_again() {
        if (writer_) return;
        writer_ = std::make_unique<detail::postgres_event_writer>(connect_migrated(server_));
        ++state_->reconnects;
    }

    void set_outage(std::string why) {
        const std::lock_guard lock(state_->mutex);
        state_->outage = std::move(why);
    }

    server_address server_;
    std::shared_ptr<writer_state> state_;
    std::unique_ptr<detail::postgres_event_writer> writer_;  // null while disconnected
};

}  // namespace

// Reads are tried once more on a new connection when the connection was lost.
struct postgres_store::parts {
    // `writes` null: opened for reading only.
    parts(server_address where, std::shared_ptr<writer_state> writing,
          std::unique_ptr<detail::write_queue> queue)
        : server(std::move(where)), state(std::move(writing)), writes(std::move(queue)) {}

    template <class Read>
    auto read(Read read_with) {
        const std::lock_guard lock(mutex);
        try {
            if (!reader) reader = std::make_unique<detail::postgres_event_reader>(server.connect());
            return read_with(*reader);
        } catch (const postgres::connection_lost&) {
            reader = std::make_unique<detail::postgres_event_reader>(server.connect());
            return read_with(*reader);
        }
    }

    detail::write_queue& writer() {
        if (!writes) throw store_error(read_only_refusal);
        return *writes;
    }

    server_address server;
    std::shared_ptr<writer_state> state;
    std::unique_ptr<detail::write_queue> writes;
    std::mutex mutex;  // guards `reader` itself; it serialises its queries
    std::unique_ptr<detail::postgres_event_reader> reader;
};

std::unique_ptr<postgres_store> postgres_store::open(const std::string& conninfo,
                                                     const std::string& password) {
    server_address server{conninfo, password};
    auto state = std::make_shared<writer_state>();
    auto queue =
        std::make_unique<detail::write_queue>(std::make_unique<reconnecting_writer>(server, state));
    auto p = std::make_unique<parts>(std::move(server), std::move(state), std::move(queue));
    p->read([](auto&) { return 0; });  // connects the reader now, so a failure shows at open
    return std::unique_ptr<postgres_store>(new postgres_store(std::move(p)));
}

std::unique_ptr<postgres_store> postgres_store::open_read_only(const std::string& conninfo,
                                                               const std::string& password) {
    server_address server{conninfo, password};
    {
        auto db = server.connect();
        const int version = postgres::schema_version(db);
        if (version == 0) {
            throw store_error("there is no Scribe store in the database at " + db.where());
        }
        if (version != postgres::latest_schema_version()) {
            throw store_error("the Scribe store at " + db.where() + " is at schema " +
                              std::to_string(version) + ", and this Scribe reads schema " +
                              std::to_string(postgres::latest_schema_version()) +
                              (version < postgres::latest_schema_version()
                                   ? "; run scribe run or scribe console once to upgrade it"
                                   : "; it was written by a newer Scribe"));
        }
    }
    return std::unique_ptr<postgres_store>(new postgres_store(
        std::make_unique<parts>(std::move(server), std::make_shared<writer_state>(), nullptr)));
}

void postgres_store::fence_writes(std::int64_t epoch) { parts_->state->fence.store(epoch); }

std::string postgres_store::outage() const {
    const std::lock_guard lock(parts_->state->mutex);
    return parts_->state->outage;
}

std::uint64_t postgres_store::reconnects() const { return parts_->state->reconnects.load(); }

std::string postgres_store::describe(const std::string& conninfo) {
    return "PostgreSQL at " + postgres::describe(conninfo);
}

postgres_store::postgres_store(std::unique_ptr<parts> p) : parts_(std::move(p)) {}

postgres_store::~postgres_store() {
    if (parts_->writes) parts_->writes->flush();
}

void postgres_store::append(std::vector<model::event> events, append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->append(std::move(events), std::nullopt, std::move(done));
    }
}

void postgres_store::append_owing(std::vector<model::event> events, owed_answer answer,
                                  append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->append(std::move(events), std::move(answer), std::move(done));
    }
}

void postgres_store::settle_answers(std::vector<std::int64_t> ids, append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->settle_answers({std::move(ids)}, std::move(done));
    }
}

void postgres_store::flush() {
    if (parts_->writes) parts_->writes->flush();
}

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

std::vector<action_row> postgres_store::list_actions(bool open_only) {
    return parts_->read([&](auto& r) { return r.list_actions(open_only); });
}

std::vector<incident_record> postgres_store::list_incident_records() {
    return parts_->read([&](auto& r) { return r.list_incident_records(); });
}

void postgres_store::for_each_event(const std::function<void(const model::event&)>& visit) {
    // On a connection of its own (the reader opens one), so `visit` may read from the store.
    detail::postgres_event_reader exporter{parts_->server.connect()};
    exporter.for_each_event(visit);
}

import_report postgres_store::import_events(const std::vector<model::event>& events, bool dry_run) {
    return parts_->writer().import(events, dry_run);
}

void postgres_store::save_cursor(std::string name, std::string value, append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->save_cursor({std::move(name), std::move(value)}, std::move(done));
    }
}

std::optional<std::string> postgres_store::load_cursor(const std::string& name) {
    return parts_->read([&](auto& r) { return r.load_cursor(name); });
}

std::vector<unsent_answer> postgres_store::unsent_answers(const owed_filter& filter) {
    return parts_->read([&](auto& r) { return r.unsent_answers(filter); });
}

}  // namespace scribe::store
