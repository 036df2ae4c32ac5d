// One owned SQLite connection: opened with the settings every Scribe connection shares.
#pragma once

#include <string>

struct sqlite3;

namespace scribe::store::detail {

class connection {
public:
    enum class access { read_write, query_only };

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

    // "<what>: <sqlite's message>", for the exception of a failed call on this connection.
    [[noreturn]] void fail(const std::string& what) const;

    bool in_transaction() const;

    // Makes the statement running on this connection stop with an error; callable from any
    // thread while the connection is open.
    void interrupt();

    // While held, nothing is copied from the WAL into the main file: neither by automatic
    // checkpoints after commits nor by the checkpoint SQLite runs when the last connection
    // closes. Commits still reach the disk, in the WAL.
    void hold_checkpoints(bool hold);
    bool holding_checkpoints() const { return holding_checkpoints_; }
    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
    bool holding_checkpoints_ = false;
};

}  // namespace scribe::store::detail
