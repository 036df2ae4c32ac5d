// The PostgreSQL schema, its versions and migrations: applied on start under a lock, so that
// replicas starting at once migrate once, and refused when the database is not Scribe's or
// was written by a newer Scribe.
#pragma once

#include "bot/store/postgres/pg_connection.hpp"

namespace scribe::store::postgres {

// The newest schema version this build reads and writes.
int latest_schema_version();

// Brings the database to the latest schema in one transaction, holding a lock that other
// Scribe processes migrating the same database wait for. Throws store_error, and changes
// nothing, when the schema Scribe would use holds tables that are not Scribe's, or when the
// database was written by a newer Scribe.
void migrate(connection& db);

// The schema version of the database, 0 when Scribe never wrote to it.
int schema_version(connection& db);

}  // namespace scribe::store::postgres
