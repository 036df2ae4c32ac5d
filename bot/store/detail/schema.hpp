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
//
// With `may_defer_check`, a file that is already a Scribe database in WAL mode at the latest
// schema (so opening it writes nothing) is not read through for damage: the connection comes
// back holding checkpoints, for the caller to run check_integrity and release them once it
// passes. Checking a large store takes a while; this lets Scribe take events meanwhile.
connection open_for_writing(const std::string& path, bool may_defer_check);

// Opens an existing store to read it and nothing else: never creates, migrates or writes the
// file. Throws store_error when there is no file (naming the path), when it is not a sound
// Scribe database, or when its schema is not this build's (older ones need a writing command
// to upgrade them first).
connection open_for_reading(const std::string& path);

// Reads the whole file through with SQLite's quick_check: returns what is damaged, or "" when
// the file is sound. Throws store_error when the check could not run to its end (a disk error,
// a lock held too long, stopped).
std::string find_damage(const connection& db);

// The message for a file find_damage found damaged.
std::string damaged_message(const std::string& path, const std::string& damage);

}  // namespace scribe::store::detail
