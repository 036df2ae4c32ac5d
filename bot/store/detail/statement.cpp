// Preparing, binding and stepping statements; every failure names its operation.
#include "bot/store/detail/statement.hpp"

#include <sqlite3.h>

#include "bot/store/event_store.hpp"

namespace scribe::store::detail {

statement::statement(const connection& db, std::string what, std::string_view sql)
    : what_(std::move(what)) {
    // PERSISTENT: these statements live as long as the connection and are reused per event.
    const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) db.fail("prepare " + what_);
}

statement::~statement() { sqlite3_finalize(stmt_); }

void statement::clear() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

void statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail();
}

void statement::bind(int index, int value) {
    if (sqlite3_bind_int(stmt_, index, value) != SQLITE_OK) fail();
}

void statement::bind(int index, std::string_view value) {
    // TRANSIENT: SQLite copies, so a temporary argument may go before the statement steps.
    if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8) != SQLITE_OK) {
        fail();
    }
}

void statement::bind(int index, std::nullptr_t) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail();
}

void statement::bind(int index, const std::optional<std::string>& value) {
    if (value) {
        bind(index, std::string_view(*value));
    } else {
        bind(index, nullptr);
    }
}

void statement::bind(int index, const std::optional<std::int64_t>& value) {
    if (value) {
        bind(index, *value);
    } else {
        bind(index, nullptr);
    }
}

void statement::fail() const { connection::fail(sqlite3_db_handle(stmt_), what_); }

statement::cursor::~cursor() { sqlite3_reset(s_.stmt_); }

bool statement::cursor::next() {
    const int rc = sqlite3_step(s_.stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    s_.fail();
}

void statement::cursor::finish() {
    while (next()) {
    }
}

std::int64_t statement::cursor::int64(int column) const {
    return sqlite3_column_int64(s_.stmt_, column);
}

std::string statement::cursor::text(int column) const {
    const auto* data = sqlite3_column_text(s_.stmt_, column);
    const int size = sqlite3_column_bytes(s_.stmt_, column);
    if (!data) return {};
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool statement::cursor::is_null(int column) const {
    return sqlite3_column_type(s_.stmt_, column) == SQLITE_NULL;
}

}  // namespace scribe::store::detail
