// The SQLite event store: the write queue and the reader behind the event_store interface.
#include "bot/store/sqlite_store.hpp"

#include "bot/store/detail/event_reader.hpp"
#include "bot/store/detail/schema.hpp"
#include "bot/store/detail/write_queue.hpp"

namespace scribe::store {

namespace {

// Opens the write connection, creating or migrating the file, and starts the writer thread,
// and the integrity check beside it when opening left that for later.
std::unique_ptr<detail::write_queue> start_writing(const std::string& path, open_options options) {
    auto writer = std::make_unique<detail::event_writer>(
        detail::open_for_writing(path, options.check_in_background));
    writer->catch_up();
    detail::connection& db = writer->db();
    const bool check_later = db.holding_checkpoints();
    auto queue = std::make_unique<detail::write_queue>(std::move(writer));
    // Until the check passes, commits stay in the WAL; the writer thread releases them.
    if (check_later) {
        queue->check_in_background(path, std::move(options), [&db] { db.hold_checkpoints(false); });
    }
    return queue;
}

}  // namespace

struct sqlite_store::parts {
    // The writer first: it creates and migrates the file the reader then opens.
    parts(const std::string& path, open_options options)
        : writes(start_writing(path, std::move(options))),
          reads(detail::connection(path, detail::connection::access::query_only)) {}
    explicit parts(const std::string& path) : reads(detail::open_for_reading(path)) {}

    // The write queue, or nullptr when the store was opened for reading only.
    detail::write_queue& writer() {
        if (!writes) throw store_error("the store was opened for reading only");
        return *writes;
    }

    std::unique_ptr<detail::write_queue> writes;
    detail::event_reader reads;
};

std::unique_ptr<sqlite_store> sqlite_store::open(const std::string& path, open_options options) {
    return std::unique_ptr<sqlite_store>(
        new sqlite_store(std::make_unique<parts>(path, std::move(options))));
}

std::unique_ptr<sqlite_store> sqlite_store::open_read_only(const std::string& path) {
    return std::unique_ptr<sqlite_store>(new sqlite_store(std::make_unique<parts>(path)));
}

sqlite_store::sqlite_store(std::unique_ptr<parts> p) : parts_(std::move(p)) {}

// The queue is drained before the reader goes, since callbacks may still read from the store.
sqlite_store::~sqlite_store() {
    if (parts_->writes) parts_->writes->flush();
}

int sqlite_store::schema_version() { return detail::latest_schema_version(); }

void sqlite_store::append(std::vector<model::event> events, append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->append(std::move(events), std::nullopt, std::move(done));
    }
}

void sqlite_store::append_owing(std::vector<model::event> events, owed_answer answer,
                                append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->append(std::move(events), std::move(answer), std::move(done));
    }
}

void sqlite_store::settle_answers(std::vector<std::int64_t> ids, append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->settle_answers({std::move(ids)}, std::move(done));
    }
}

void sqlite_store::flush() {
    if (parts_->writes) parts_->writes->flush();
}

std::vector<model::event> sqlite_store::load_incident(std::int64_t incident_id) {
    return parts_->reads.load_incident(incident_id);
}

std::optional<std::int64_t> sqlite_store::open_incident_in(const model::source_key& channel) {
    return parts_->reads.open_incident_in(channel);
}

std::optional<std::int64_t> sqlite_store::latest_incident_in(const model::source_key& channel) {
    return parts_->reads.latest_incident_in(channel);
}

std::vector<incident_summary> sqlite_store::list_incidents(bool open_only) {
    return parts_->reads.list_incidents(open_only);
}

std::vector<action_row> sqlite_store::list_actions(bool open_only) {
    return parts_->reads.list_actions(open_only);
}

std::vector<incident_record> sqlite_store::list_incident_records() {
    return parts_->reads.list_incident_records();
}

void sqlite_store::for_each_event(const std::function<void(const model::event&)>& visit) {
    parts_->reads.for_each_event(visit);
}

import_report sqlite_store::import_events(const std::vector<model::event>& events,
                                          bool dry_run) {
    return parts_->writer().import(events, dry_run);
}

void sqlite_store::save_cursor(std::string name, std::string value, append_callback done) {
    if (auto* writes = detail::writable(parts_->writes, done)) {
        writes->save_cursor({std::move(name), std::move(value)}, std::move(done));
    }
}

std::optional<std::string> sqlite_store::load_cursor(const std::string& name) {
    return parts_->reads.load_cursor(name);
}

std::vector<unsent_answer> sqlite_store::unsent_answers(const owed_filter& filter) {
    return parts_->reads.unsent_answers(filter);
}

}  // namespace scribe::store
