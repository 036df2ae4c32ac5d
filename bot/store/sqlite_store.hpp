// The embedded event store: one SQLite file, appends committed in groups by a writer thread,
// reads on a connection of their own.
#pragma once

#include <memory>
#include <string>

#include "bot/store/event_store.hpp"
#include "bot/store/import.hpp"

namespace scribe::store {

struct open_options {
    // Check the file for damage while the store is already in use, rather than before open()
    // returns, which for a large store takes as long as reading all of it. Until the check
    // passes, commits reach the disk in the WAL only and the main file stays as it was; if it
    // fails, every later append fails with its message. Applies to a file that opening does not
    // change (a Scribe database at the latest schema); any other is checked before open()
    // returns.
    bool check_in_background = false;
    // Runs once, on the store's writer thread, when the background check is over: with what it
    // found wrong, or "" when the file is sound. Not run when the store closes first.
    std::function<void(const std::string& problem)> on_checked;
    // Runs, on a thread of the store's, each time the check could not run to its end for a
    // reason other than damage (a disk error, a lock held too long); it is tried again a
    // minute later, and commits stay in the WAL meanwhile.
    std::function<void(const std::string& reason)> on_check_postponed;
};

class sqlite_store final : public event_store {
public:
    // Opens the database at `path`, creating it (readable by its owner only) when missing and
    // upgrading its schema when older. Throws store_error, naming the file, when the file is
    // not a Scribe database, is damaged (it is then left untouched), or was written by a newer
    // Scribe.
    static std::unique_ptr<sqlite_store> open(const std::string& path,
                                              open_options options = {});

    // Opens an existing store for reading only: nothing is created, migrated or written, and
    // a file this user may not write (a backup copy) is read as it is. Appends, cursors and
    // imports fail. Throws store_error for a missing file, and as open() does.
    static std::unique_ptr<sqlite_store> open_read_only(const std::string& path);

    // Commits everything appended so far, runs the callbacks, then closes the file.
    ~sqlite_store() override;

    sqlite_store(const sqlite_store&) = delete;
    sqlite_store& operator=(const sqlite_store&) = delete;

    // The newest schema version this build reads and writes.
    static int schema_version();

    // Callbacks run on the writer thread; they must not call flush() or import_events()
    // (std::logic_error), which would wait for that very thread.
    void append(std::vector<model::event> events, append_callback done) override;
    void append_owing(std::vector<model::event> events, owed_answer answer,
                      append_callback done) override;
    void settle_answers(std::vector<std::int64_t> ids, append_callback done) override;
    std::vector<unsent_answer> unsent_answers(const owed_filter& filter) override;
    void flush() override;

    std::vector<model::event> load_incident(std::int64_t incident_id) override;
    std::optional<std::int64_t> open_incident_in(const model::source_key& channel) override;
    std::optional<std::int64_t> latest_incident_in(const model::source_key& channel) override;
    std::vector<incident_summary> list_incidents(bool open_only) override;
    std::vector<action_row> list_actions(bool open_only) override;
    std::vector<incident_record> list_incident_records() override;
    void for_each_event(const std::function<void(const model::event&)>& visit) override;
    import_report import_events(const std::vector<model::event>& events,
                                bool dry_run = false) override;
    void save_cursor(std::string name, std::string value, append_callback done) override;
    std::optional<std::string> load_cursor(const std::string& name) override;

private:
    struct parts;
    explicit sqlite_store(std::unique_ptr<parts> p);

    std::unique_ptr<parts> parts_;
};

}  // namespace scribe::store
