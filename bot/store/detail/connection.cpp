// Opening and closing SQLite connections, and turning their failures into store_error.
#include "bot/store/detail/connection.hpp"

#include <sqlite3.h>

#include <utility>

#include "bot/store/event_store.hpp"

namespace scribe::store::detail {

namespace {
// Long enough to ride out another process's checkpoint or a backup; short enough that a
// stuck lock shows up as an error rather than a hang.
constexpr int busy_timeout_ms = 5000;


// A file: URI for the path, with the characters URIs give a meaning escaped.
std::string file_uri(const std::string& path, const char* query) {
    std::string uri = "file:";
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') {
            static constexpr char hex[] = "0123456789ABCDEF";
            uri += '%';
            uri += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
            uri += hex[static_cast<unsigned char>(c) & 0xf];
        } else {
            uri += c;
        }
    }
    return uri + query;
}

}  // namespace

connection::connection(const std::string& path, access mode) : path_(path), mode_(mode) {
    // NOMUTEX: every connection is used by one thread at a time (the writer thread, or a reader
    // holding the store's read mutex), so SQLite's own locking would be redundant.
    int rc = SQLITE_OK;
    if (mode == access::read_only) {
        const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
        rc = sqlite3_open_v2(file_uri(path, "?mode=ro").c_str(), &db_, flags, nullptr);
        // A WAL file in a folder we may not write has no shared-memory file to read it with,
        // which shows at the first read: then read the file as it is, which is what a backup
        // copy is for.
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(db_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
        }
        if ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY) {
            sqlite3_close_v2(std::exchange(db_, nullptr));
            rc = sqlite3_open_v2(file_uri(path, "?mode=ro&immutable=1").c_str(), &db_, flags,
                                 nullptr);
        }
    } else {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
        rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    }
    if (rc != SQLITE_OK) {
        const std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw store_error("cannot open the Scribe database " + path + ": " + reason);
    }
    if (mode == access::read_write && sqlite3_db_readonly(db_, "main") == 1) {
        // SQLite falls back to reading when it may not write; say so now rather than at the
        // first append.
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw store_error("the Scribe database " + path + " is read-only for this user");
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    if (mode == access::query_only) {
        exec("PRAGMA query_only = ON", "open " + path);
        // A reader never writes the main file, not even when it happens to close last.
        hold_checkpoints(true);
    }
}

connection::~connection() {
    // Statements are finalized before their connection (they are declared after it), so a
    // plain close succeeds; the last close also checkpoints the WAL into the main file.
    if (db_) sqlite3_close_v2(db_);
}

connection::connection(connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      mode_(other.mode_),
      holding_checkpoints_(other.holding_checkpoints_) {}

void connection::exec(const char* sql, const std::string& what) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string reason = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw store_error(what + ": " + reason);
    }
}

void connection::fail(const std::string& what) const { fail(db_, what); }

void connection::fail(sqlite3* db, const std::string& what) {
    const int code = sqlite3_extended_errcode(db) & 0xff;
    const std::string message = what + ": " + sqlite3_errmsg(db);
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) throw damaged_file(message);
    if (code == SQLITE_BUSY) throw busy_file(message);
    throw store_error(message);
}

bool connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void connection::interrupt() { sqlite3_interrupt(db_); }

void connection::stop_when(const std::atomic<bool>& stop) {
    // Asked after every virtual machine instruction: cheap next to what each one does.
    const auto stopped = [](void* flag) {
        return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
    };
    sqlite3_progress_handler(db_, 1, stopped, const_cast<std::atomic<bool>*>(&stop));
}

void connection::hold_checkpoints(bool hold) {
    if (sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, hold ? 1 : 0, nullptr) !=
        SQLITE_OK) {
        fail("configure checkpoints of " + path_);
    }
    // 1000 pages is SQLite's default.
    exec(hold ? "PRAGMA wal_autocheckpoint = 0" : "PRAGMA wal_autocheckpoint = 1000",
         "configure checkpoints of " + path_);
    holding_checkpoints_ = hold;
}

}  // namespace scribe::store::detail
