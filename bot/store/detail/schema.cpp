// Schema versions and migrations, and the opening checks that never write to a file they refuse.
#include "bot/store/detail/schema.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "bot/store/detail/statement.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::store::detail {
namespace {

// "SCRB" in the file header: marks the file as Scribe's, so another application's database is
// never mistaken for an empty one and migrated.
constexpr std::int64_t application_id = 0x53435242;

struct migration {
    int version;
    const char* sql;
};

// Append-only: a released step is never edited; a change of schema is a new step. Times are
// milliseconds since the Unix epoch, UTC; payloads are JSON as model/codec.hpp writes them.
// incidents and actions are derived from events, kept in the same transaction so listing
// incidents and open actions needs no fold.
constexpr std::array migrations{
    migration{1, R"sql(
CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    phase       TEXT NOT NULL,
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    declared_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    event_count INTEGER NOT NULL
);
CREATE INDEX incidents_by_channel ON incidents (platform, channel, id);

CREATE TABLE events (
    incident_id       INTEGER NOT NULL REFERENCES incidents (id),
    seq               INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    occurred_at       INTEGER NOT NULL,
    recorded_at       INTEGER NOT NULL,
    actor_platform    TEXT NOT NULL,
    actor_id          TEXT NOT NULL,
    actor_name        TEXT NOT NULL,
    source_platform   TEXT NOT NULL,
    source_channel    TEXT NOT NULL,
    source_message_id TEXT NOT NULL,
    source_part       INTEGER NOT NULL,
    payload           TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);
-- The idempotency key; events the bot makes itself have no message id and no key.
CREATE UNIQUE INDEX events_by_source
    ON events (source_platform, source_channel, source_message_id, source_part)
    WHERE source_message_id <> '';

CREATE TABLE actions (
    incident_id    INTEGER NOT NULL REFERENCES incidents (id),
    number         INTEGER NOT NULL,
    owner_platform TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    owner_name     TEXT NOT NULL,
    text           TEXT NOT NULL,
    due            TEXT,
    status         TEXT NOT NULL,
    retracted      INTEGER NOT NULL,
    PRIMARY KEY (incident_id, number)
);
CREATE INDEX actions_open ON actions (due) WHERE status = 'open' AND retracted = 0;
)sql"},
    // Where an adapter's stream stands (Matrix's next_batch), so a restart resumes there.
    migration{2, R"sql(
CREATE TABLE cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
)sql"},
    // Rooms linked to an incident besides the one it was declared in (!link-room).
    migration{3, R"sql(
CREATE TABLE incident_rooms (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    PRIMARY KEY (incident_id, platform, channel)
);
CREATE INDEX incident_rooms_by_channel ON incident_rooms (platform, channel, incident_id);
)sql"},
    // The outbox: answers owed to messages whose events are stored, kept until sent.
    migration{4, R"sql(
CREATE TABLE answers_owed (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    reply_to    TEXT NOT NULL,
    cause       TEXT NOT NULL,
    thread      TEXT NOT NULL,
    notes       TEXT NOT NULL,
    owner       TEXT NOT NULL,
    owed_since  INTEGER NOT NULL
);
)sql"},
    // What the web view and trends read of each incident without folding it: its metrics and
    // breakdowns, and when each action item was opened and done. Filled for incidents stored
    // before this step by the writer's first transaction.
    migration{5, R"sql(
CREATE TABLE incident_facts (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    detect_ms   INTEGER,
    mitigate_ms INTEGER,
    resolve_ms  INTEGER,
    origin      TEXT,
    resolution  TEXT,
    detection   TEXT,
    security    INTEGER NOT NULL,
    data_lost   INTEGER NOT NULL
);
ALTER TABLE actions ADD COLUMN opened_at INTEGER;
ALTER TABLE actions ADD COLUMN done_at INTEGER;
)sql"},
};

std::string system_error_text() { return std::strerror(errno); }

// Owner-only permissions, since incident timelines can hold sensitive material. SQLite gives
// the -wal and -shm files the mode of the database file, so they follow.
void create_if_missing(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    if (errno == EEXIST) return;
    throw store_error("cannot create the Scribe database " + path + ": " + system_error_text());
}

// Looked at before SQLite opens the file, so the message for a wrong file is plain.
void check_header(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw store_error("cannot read the Scribe database " + path + ": " + system_error_text());
    }
    struct stat info {};
    const bool stat_ok = ::fstat(fd, &info) == 0;
    const int stat_errno = errno;
    static constexpr char magic[] = "SQLite format 3";  // 16 bytes with its NUL, as in the file
    char header[sizeof magic] = {};
    const ssize_t got = stat_ok && S_ISREG(info.st_mode) && info.st_size > 0
                            ? ::pread(fd, header, sizeof header, 0)
                            : 0;
    ::close(fd);
    if (!stat_ok) {
        throw store_error("cannot read the Scribe database " + path + ": " +
                          std::strerror(stat_errno));
    }
    if (!S_ISREG(info.st_mode)) {
        throw store_error("the Scribe database " + path + " is not a regular file");
    }
    if (info.st_size == 0) return;  // new (or created by us and never written): SQLite starts it
    if (got != static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header, magic, sizeof magic) != 0) {
        throw store_error(path +
                          " is not a Scribe database (it is not an SQLite file); it was left "
                          "untouched: point Scribe at another file or move this one away");
    }
}

std::int64_t pragma_value(const connection& db, const char* sql, const std::string& what) {
    statement pragma(db, what, sql);
    auto row = pragma.query();
    return row.next() ? row.int64(0) : 0;
}

// Already in WAL mode at the latest schema: opening for writing changes nothing in the file.
bool opens_without_writing(const connection& db) {
    try {
        statement mode(db, "read journal mode", "PRAGMA journal_mode");
        auto row = mode.query();
        return row.next() && row.text(0) == "wal" &&
               pragma_value(db, "PRAGMA user_version", "read schema version") ==
                   latest_schema_version();
    } catch (const store_error&) {
        return false;  // unreadable: the integrity check says why
    }
}

void check_ownership(const connection& db) {
    const auto app = pragma_value(db, "PRAGMA application_id", "read application id");
    const auto version = pragma_value(db, "PRAGMA user_version", "read schema version");
    if (app == application_id) {
        if (version > latest_schema_version()) {
            throw store_error("the Scribe database " + db.path() +
                              " was written by a newer version of Scribe (schema " +
                              std::to_string(version) + ", this build knows up to " +
                              std::to_string(latest_schema_version()) +
                              "); upgrade Scribe to open it");
        }
        return;
    }
    const bool empty = app == 0 && version == 0 &&
                       pragma_value(db, "SELECT count(*) FROM sqlite_schema", "read schema") == 0;
    if (!empty) {
        throw store_error(db.path() +
                          " is an SQLite database of another application, not Scribe's; it was "
                          "left untouched: point Scribe at another file");
    }
}

// An upgrade rewrites the schema of a file people rely on: keep a copy of it as it was, beside
// it, first ("scribe.db.schema-1.bak"). VACUUM INTO writes a consistent, compact copy.
void back_up_before_upgrade(connection& db) {
    const auto version = pragma_value(db, "PRAGMA user_version", "read schema version");
    if (version == 0 || version >= latest_schema_version()) return;
    const std::string copy = db.path() + ".schema-" + std::to_string(version) + ".bak";
    struct stat info {};
    if (::stat(copy.c_str(), &info) == 0 && info.st_size > 0) return;  // made by an earlier try
    create_if_missing(copy);  // owner-only, like the database; VACUUM INTO fills an empty file
    statement backup(db, "back up " + db.path() + " to " + copy + " before upgrading it",
                     "VACUUM INTO ?1");
    backup.run(copy);
}

void migrate(connection& db) {
    back_up_before_upgrade(db);
    for (const auto& step : migrations) {
        const std::string what =
            "upgrade " + db.path() + " to schema " + std::to_string(step.version);
        if (pragma_value(db, "PRAGMA user_version", what) >= step.version) continue;
        db.exec("BEGIN IMMEDIATE", what);
        try {
            // Another process may have applied the step between our look and our lock.
            if (pragma_value(db, "PRAGMA user_version", what) < step.version) {
                db.exec(step.sql, what);
                const std::string stamp =
                    "PRAGMA application_id = " + std::to_string(application_id) +
                    "; PRAGMA user_version = " + std::to_string(step.version);
                db.exec(stamp.c_str(), what);
            }
            db.exec("COMMIT", what);
        } catch (const store_error&) {
            if (db.in_transaction()) {
                try {
                    db.exec("ROLLBACK", what);
                } catch (const store_error&) {
                    // Closing the connection rolls back as well; the first error is the one
                    // to report.
                }
            }
            throw;
        }
    }
}

}  // namespace

int latest_schema_version() { return migrations.back().version; }

std::string find_damage(const connection& db) {
    std::string verdict;
    try {
        statement check(db, "integrity check", "PRAGMA quick_check(1)");
        auto row = check.query();
        verdict = row.next() ? row.text(0) : "no verdict";
    } catch (const damaged_file& e) {
        verdict = e.what();
    }
    if (verdict == "ok") return {};
    std::replace(verdict.begin(), verdict.end(), '\n', ' ');  // quick_check's report is multi-line
    return verdict;
}

// A damaged file must stay exactly as it is, for recovery tools and backups.
std::string damaged_message(const std::string& path, const std::string& damage) {
    return "the Scribe database " + path + " is damaged or not a database (" + damage +
           "); it was left untouched: restore it from a backup or move it away";
}

connection open_for_reading(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 && errno == ENOENT) {
        throw store_error("there is no Scribe store at " + path +
                          " (check --db or store.path); nothing was created");
    }
    check_header(path);
    connection db(path, connection::access::read_only);
    if (const auto damage = find_damage(db); !damage.empty()) {
        throw store_error(damaged_message(path, damage));
    }
    check_ownership(db);
    const auto version = pragma_value(db, "PRAGMA user_version", "read schema version");
    if (version != latest_schema_version()) {
        throw store_error("the Scribe database " + path + " is at schema " +
                          std::to_string(version) + " and this build reads " +
                          std::to_string(latest_schema_version()) +
                          "; open it once with scribe console or scribe run to upgrade it");
    }
    return db;
}

connection open_for_writing(const std::string& path, bool may_defer_check) {
    create_if_missing(path);
    check_header(path);
    connection db(path, connection::access::read_write);
    // Until the file is known sound, commits stay in the WAL and the main file as it was.
    db.hold_checkpoints(true);
    const bool deferred = may_defer_check && opens_without_writing(db);
    if (!deferred) {
        if (const auto damage = find_damage(db); !damage.empty()) {
            throw store_error(damaged_message(path, damage));
        }
    }
    check_ownership(db);

    // WAL: readers never block the writer; FULL: a commit is on disk before its callback runs,
    // which is what lets adapters acknowledge a platform's delivery after the callback.
    statement wal(db, "switch " + path + " to WAL", "PRAGMA journal_mode = WAL");
    {
        auto row = wal.query();
        if (!row.next() || row.text(0) != "wal") {
            throw store_error("cannot switch the Scribe database " + path + " to WAL mode");
        }
    }
    db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "configure " + path);
    migrate(db);
    if (!deferred) db.hold_checkpoints(false);
    return db;
}

}  // namespace scribe::store::detail
