// Migrations for the PostgreSQL store, mirroring the SQLite schema in PostgreSQL's types.
#include "bot/store/postgres/pg_schema.hpp"

#include <array>

namespace scribe::store::postgres {

namespace {

struct migration {
    int version;
    const char* sql;
};

// Taken for the migration transaction; advisory locks are per database, so two Scribe stores
// on one server do not wait for each other.
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(5495890031626945281)";

// Append-only, as for SQLite: a released step is never edited. Times are milliseconds since the
// Unix epoch, UTC; payloads are JSON as model/codec.hpp writes them. incidents, actions and
// incident_rooms are derived from events in the same transaction.
constexpr std::array migrations{
    migration{1, R"sql(
CREATE TABLE incidents (
    id          BIGINT PRIMARY KEY,
    title       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    phase       TEXT NOT NULL,
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    event_count BIGINT NOT NULL
);
CREATE INDEX incidents_by_channel ON incidents (platform, channel, id);

CREATE TABLE events (
    incident_id       BIGINT NOT NULL REFERENCES incidents (id),
    seq               BIGINT NOT NULL,
    kind              TEXT NOT NULL,
    occurred_at       BIGINT NOT NULL,
    recorded_at       BIGINT NOT NULL,
    actor_platform    TEXT NOT NULL,
    actor_id          TEXT NOT NULL,
    actor_name        TEXT NOT NULL,
    source_platform   TEXT NOT NULL,
    source_channel    TEXT NOT NULL,
    source_message_id TEXT NOT NULL,
    source_part       BIGINT NOT NULL,
    payload           TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);
CREATE UNIQUE INDEX events_by_source
    ON events (source_platform, source_channel, source_message_id, source_part)
    WHERE source_message_id <> '';

CREATE TABLE actions (
    incident_id    BIGINT NOT NULL REFERENCES incidents (id),
    number         BIGINT NOT NULL,
    owner_platform TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    owner_name     TEXT NOT NULL,
    text           TEXT NOT NULL,
    due            TEXT,
    status         TEXT NOT NULL,
    retracted      BIGINT NOT NULL,
    PRIMARY KEY (incident_id, number)
);
CREATE INDEX actions_open ON actions (due) WHERE status = 'open' AND retracted = 0;

CREATE TABLE cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE incident_rooms (
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    PRIMARY KEY (incident_id, platform, channel)
);
CREATE INDEX incident_rooms_by_channel ON incident_rooms (platform, channel, incident_id);

-- Counted by every write transaction, so that a writer learns another one wrote since its own
-- last transaction and drops what it cached (SQLite's PRAGMA data_version).
CREATE TABLE store_writes (counter BIGINT NOT NULL);
INSERT INTO store_writes VALUES (0);
)sql"},
    // Which `scribe run` is the active replica: the epoch grows with each taking of the lease,
    // and every write of an active replica checks that it is still its own (fencing).
    migration{2, R"sql(
CREATE TABLE scribe_lease (
    epoch  BIGINT NOT NULL,
    holder TEXT NOT NULL,
    since  BIGINT NOT NULL
);
INSERT INTO scribe_lease VALUES (0, '', 0);
)sql"},
    // The outbox: answers owed to messages whose events are stored, kept until sent.
    migration{3, R"sql(
CREATE TABLE answers_owed (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    reply_to    TEXT NOT NULL,
    cause       TEXT NOT NULL,
    thread      TEXT NOT NULL,
    notes       TEXT NOT NULL,
    owner       TEXT NOT NULL,
    owed_since  BIGINT NOT NULL
);
)sql"},
    // Facts of each incident for the web view and trends, as for SQLite.
    migration{4, R"sql(
CREATE TABLE incident_facts (
    incident_id BIGINT PRIMARY KEY REFERENCES incidents (id),
    detect_ms   BIGINT,
    mitigate_ms BIGINT,
    resolve_ms  BIGINT,
    origin      TEXT,
    resolution  TEXT,
    detection   TEXT,
    security    BIGINT NOT NULL,
    data_lost   BIGINT NOT NULL
);
ALTER TABLE actions ADD COLUMN opened_at BIGINT;
ALTER TABLE actions ADD COLUMN done_at BIGINT;
)sql"},
};

// Scribe's tables in the schema it uses (the first of the search path).
bool has_version_table(connection& db) {
    return db.exec(
                 "SELECT 1 FROM information_schema.tables WHERE table_schema = "
                 "current_schema() AND table_name = 'scribe_schema'",
                 {}, "looking for Scribe's schema")
               .rows() > 0;
}

}  // namespace

int latest_schema_version() { return migrations.back().version; }

int schema_version(connection& db) {
    if (!has_version_table(db)) return 0;
    const auto row = db.exec("SELECT version FROM scribe_schema", {}, "reading the schema version");
    return row.rows() == 0 ? 0 : static_cast<int>(row.integer(0, 0));
}

void migrate(connection& db) {
    db.exec("BEGIN", "starting the migration");
    try {
        db.exec(migration_lock, "waiting for other Scribe processes' migrations");
        const int version = schema_version(db);
        if (version > latest_schema_version()) {
            throw store_error("the Scribe database at " + db.where() +
                              " was written by a newer Scribe (schema " + std::to_string(version) +
                              "; this one reads up to " + std::to_string(latest_schema_version()) +
                              ")");
        }
        if (version == 0) {
            const auto tables = db.exec(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                "current_schema()",
                {}, "looking at the database");
            if (tables.integer(0, 0) > 0) {
                throw store_error("the database at " + db.where() +
                                  " holds tables that are not Scribe's; give Scribe a database "
                                  "(or a schema, with search_path) of its own");
            }
            db.exec("CREATE TABLE scribe_schema (version INTEGER NOT NULL)",
                    "creating the schema version");
            db.exec("INSERT INTO scribe_schema VALUES (0)", "creating the schema version");
        }
        for (const auto& step : migrations) {
            if (step.version <= version) continue;
            db.exec(step.sql, "migrating to schema " + std::to_string(step.version));
            db.exec("UPDATE scribe_schema SET version = $1", {std::to_string(step.version)},
                    "recording schema " + std::to_string(step.version));
        }
        db.exec("COMMIT", "committing the migration");
    } catch (const connection_lost&) {
        throw;
    } catch (const std::exception&) {
        db.exec("ROLLBACK", "rolling back the migration");
        throw;
    }
}

}  // namespace scribe::store::postgres
