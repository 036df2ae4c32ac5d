// Prepared statements on PostgreSQL behind the SQLite statement's API.
#include "bot/store/postgres/pg_statement.hpp"

#include <cctype>

namespace scribe::store::postgres {

std::string numbered_placeholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const bool placeholder = sql[i] == '?' && i + 1 < sql.size() &&
                                 std::isdigit(static_cast<unsigned char>(sql[i + 1]));
        out += placeholder ? '$' : sql[i];
    }
    return out;
}

statement::statement(connection& db, std::string what, std::string_view sql)
    : db_(db), what_(std::move(what)), name_(db.prepare(numbered_placeholders(sql), what_)) {}

result statement::execute(const std::vector<parameter>& values) {
    return db_.exec_prepared(name_, values, what_);
}

std::int64_t statement::cursor::int64(int column) const {
    // SQLite reads NULL as 0, and the writer relies on it (an incident without events).
    return rows_.is_null(row_, column) ? 0 : rows_.integer(row_, column);
}

}  // namespace scribe::store::postgres
