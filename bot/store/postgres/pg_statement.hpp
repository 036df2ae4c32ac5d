// A prepared statement on a PostgreSQL connection, with the API of the SQLite store's
// (detail/statement.hpp), so that the writer and the reader serve both backends: SQL written
// with ?1, ?2… placeholders, arguments bound in order, rows read through a cursor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/store/postgres/pg_connection.hpp"

namespace scribe::store::postgres {

class statement {
  public:
    // Prepares `sql` on `db` (its ?N placeholders written as PostgreSQL's $N); `what` names the
    // operation in errors.
    statement(connection& db, std::string what, std::string_view sql);
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    // The rows of one execution.
    class cursor {
      public:
        explicit cursor(result rows) : rows_(std::move(rows)) {}

        bool next() { return ++row_ < rows_.rows(); }
        void finish() {}

        std::int64_t int64(int column) const;
        std::string text(int column) const { return std::string(rows_.text(row_, column)); }
        bool is_null(int column) const { return rows_.is_null(row_, column); }

      private:
        result rows_;
        int row_ = -1;
    };

    // Binds `args` to ?1, ?2, ... in order (nullptr and an empty optional are NULL) and runs
    // the statement.
    template <class... Args>
    cursor query(const Args&... args) {
        std::vector<parameter> values;
        values.reserve(sizeof...(Args));
        (values.push_back(to_parameter(args)), ...);
        return cursor(execute(values));
    }

    template <class... Args>
    void run(const Args&... args) {
        query(args...);
    }

  private:
    static parameter to_parameter(std::int64_t value) { return std::to_string(value); }
    static parameter to_parameter(int value) { return std::to_string(value); }
    static parameter to_parameter(std::string_view value) { return std::string(value); }
    static parameter to_parameter(const std::string& value) { return value; }
    static parameter to_parameter(const char* value) { return std::string(value); }
    static parameter to_parameter(std::nullptr_t) { return std::nullopt; }
    static parameter to_parameter(const std::optional<std::string>& value) { return value; }
    static parameter to_parameter(const std::optional<std::int64_t>& value) {
        return value ? parameter(std::to_string(*value)) : std::nullopt;
    }

    result execute(const std::vector<parameter>& values);

    connection& db_;
    std::string what_;
    std::string name_;  // of the prepared statement on the server
};

// `sql` with each ?N placeholder written $N.
std::string numbered_placeholders(std::string_view sql);

}  // namespace scribe::store::postgres
