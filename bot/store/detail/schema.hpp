// The database schema, its versions and migrations, and the checks that refuse a file which is
// not a Scribe database (or is damaged) before anything is written to it.
#pragma once

#include <string>

#include "bot/store/detail/connection.hpp"

namespace scribe::store::detail {

// The newest schema version this build reads and writes (PRAGMA user_version).
int latest_schema_version();

// Opens the write connection: creates the file (mode 0600) when it is missing; refuses, without
// writing to it, a file that is not an SQLite database, is damaged, belongs to another
// application or was written by a newer Scribe; then switches to WAL and applies the pending
// migrations, each in its own transaction.
connection open_for_writing(const std::string& path);

}  // namespace scribe::store::detail
