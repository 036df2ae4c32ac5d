// One owned SQLite connection: opened with the settings every Scribe connection shares.
#pragma once

#include <atomic>
#include <string>

#include "bot/store/event_store.hpp"

struct sqlite3;

namespace scribe::store::detail {

// A failure SQLite puts down to the file's contents (SQLITE_CORRUPT, SQLITE_NOTADB), not to
// the disk, a lock or memory.
class damaged_file : public store_error {
public:
    using store_error::store_error;
};

// Another connection held the lock longer than the busy timeout (SQLITE_BUSY): worth trying
// again, unlike the other failures.
class busy_file : public store_error {
public:
    using store_error::store_error;
};

class connection {
public:
    // read_write: the writer's. query_only: a reader beside the writer, on a file it may write
    // (it never checkpoints). read_only: a file this process must not change or may not write
    // (a backup copy, mode 0444); never creates the file.
    enum class access { read_write, query_only, read_only };

    // Opens an existing database file (the store creates it itself, with its permissions);
    // throws store_error naming the file.
    connection(const std::string& path, access mode);
    ~connection();

    connection(connection&& other) noexcept;
    connection& operator=(connection&&) = delete;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // Runs SQL that returns no rows (pragmas, DDL, several statements at once); `what` names
    // the operation in the error.
    void exec(const char* sql, const std::string& what);

    // "<what>: <sqlite's message>", for the exception of a failed call on this connection:
    // damaged_file, busy_file or store_error.
    [[noreturn]] void fail(const std::string& what) const;
    [[noreturn]] static void fail(sqlite3* db, const std::string& what);

    bool in_transaction() const;

    // Makes the statement running on this connection stop with an error; callable from any
    // thread while the connection is open. A statement that has not started yet is stopped by
    // `stop` (see stop_when), which is why both exist.
    void interrupt();
    // Statements on this connection fail (SQLITE_INTERRUPT) once `stop` is set; it must outlive
    // the connection.
    void stop_when(const std::atomic<bool>& stop);

    // While held, nothing is copied from the WAL into the main file: neither by automatic
    // checkpoints after commits nor by the checkpoint SQLite runs when the last connection
    // closes. Commits still reach the disk, in the WAL.
    void hold_checkpoints(bool hold);
    bool holding_checkpoints() const { return holding_checkpoints_; }
    const std::string& path() const { return path_; }
    access mode() const { return mode_; }
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
    access mode_;
    bool holding_checkpoints_ = false;
};

}  // namespace scribe::store::detail
