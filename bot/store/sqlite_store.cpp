// The SQLite event store: the write queue and the reader behind the event_store interface.
#include "bot/store/sqlite_store.hpp"

#include "bot/store/detail/event_reader.hpp"
#include "bot/store/detail/schema.hpp"
#include "bot/store/detail/write_queue.hpp"

namespace scribe::store {

struct sqlite_store::parts {
    // The writer first: it creates and migrates the file the reader then opens.
    parts(const std::string& path, open_options options)
        : writes(path, std::move(options)), reads(path) {}

    detail::write_queue writes;
    detail::event_reader reads;
};

std::unique_ptr<sqlite_store> sqlite_store::open(const std::string& path, open_options options) {
    return std::unique_ptr<sqlite_store>(
        new sqlite_store(std::make_unique<parts>(path, std::move(options))));
}

sqlite_store::sqlite_store(std::unique_ptr<parts> p) : parts_(std::move(p)) {}

// The queue is drained before the reader goes, since callbacks may still read from the store.
sqlite_store::~sqlite_store() { parts_->writes.flush(); }

int sqlite_store::schema_version() { return detail::latest_schema_version(); }

void sqlite_store::append(std::vector<model::event> events, append_callback done) {
    parts_->writes.append(std::move(events), std::move(done));
}

void sqlite_store::flush() { parts_->writes.flush(); }

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

std::vector<open_action> sqlite_store::list_open_actions() {
    return parts_->reads.list_open_actions();
}

void sqlite_store::for_each_event(const std::function<void(const model::event&)>& visit) {
    parts_->reads.for_each_event(visit);
}

std::int64_t sqlite_store::import_events(const std::vector<model::event>& events) {
    return parts_->writes.import(events);
}

void sqlite_store::save_cursor(std::string name, std::string value, append_callback done) {
    parts_->writes.save_cursor({std::move(name), std::move(value)}, std::move(done));
}

std::optional<std::string> sqlite_store::load_cursor(const std::string& name) {
    return parts_->reads.load_cursor(name);
}

}  // namespace scribe::store
