// One owned PostgreSQL connection through libpq, with its results and errors as values and
// exceptions of the store. libpq is used directly, not through libpqxx: the store needs its
// pipeline mode and its socket (to wait on it with a bound), which libpqxx hides.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/store/event_store.hpp"

struct pg_conn;
struct pg_result;

namespace scribe::store::postgres {

// A statement PostgreSQL refused, with its SQLSTATE (e.g. "23505", a unique violation), so
// that callers can tell a conflict worth retrying from a mistake.
class statement_error : public store_error {
  public:
    statement_error(const std::string& message, std::string sqlstate)
        : store_error(message), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }
    // A serialization failure or deadlock: the transaction may succeed if run again.
    bool worth_retrying() const { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

  private:
    std::string sqlstate_;
};

// The server is gone or cannot be reached: the connection is lost and must be opened again.
class connection_lost : public store_error {
  public:
    using store_error::store_error;
};

// The rows of one statement; values in PostgreSQL's text format.
class result {
  public:
    explicit result(::pg_result* r);
    ~result();
    result(result&& other) noexcept;
    result& operator=(result&&) = delete;
    result(const result&) = delete;
    result& operator=(const result&) = delete;

    int rows() const;
    bool is_null(int row, int column) const;
    std::string_view text(int row, int column) const;
    // The value as an integer; throws store_error when it is not one.
    std::int64_t integer(int row, int column) const;
    // Rows changed by an INSERT, UPDATE or DELETE.
    std::int64_t affected() const;
    const ::pg_result* get() const { return result_; }

  private:
    ::pg_result* result_;
};

// A statement parameter: text, or SQL NULL.
using parameter = std::optional<std::string>;

class connection {
  public:
    // Connects with a libpq connection string or URI ("postgresql://…", "host=… dbname=…"),
    // and `password` when not empty (else the one in the string, or PGPASSFILE's); throws
    // connection_lost naming where it tried to connect, never the password.
    explicit connection(const std::string& conninfo, const std::string& password = {},
                        std::vector<std::pair<std::string, std::string>> options = {});
    ~connection();
    // Statements prepared on a connection keep a reference to it: move it only before
    // preparing any.
    connection(connection&& other) noexcept;
    connection& operator=(connection&&) = delete;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // Runs one statement with its parameters ($1, $2…); `what` names the operation in the
    // error. Throws statement_error for a refused statement, connection_lost when the server
    // went away.
    result exec(const std::string& sql, const std::vector<parameter>& parameters,
                const std::string& what);
    // Runs SQL without parameters (several statements at once, DDL).
    void exec(const std::string& sql, const std::string& what);

    // Prepares `sql` under a name of its own on this connection; returns the name.
    std::string prepare(const std::string& sql, const std::string& what);
    // Runs a prepared statement, with exec's errors.
    result exec_prepared(const std::string& name, const std::vector<parameter>& parameters,
                         const std::string& what);

    // Inside a transaction block, including a failed one.
    bool in_transaction() const;
    // Another connection like this one.
    connection another() const { return connection(conninfo_, password_, options_); }

    // Write transactions on this connection check that the store's lease is at this epoch
    // (0: they check nothing), so that a replica that lost the lease can no longer commit.
    void fence_writes(std::int64_t epoch) { fence_ = epoch; }
    std::int64_t fence() const { return fence_; }

    // Where this connection goes, for messages: "host:port/database".
    const std::string& where() const { return where_; }
    // The server process serving this connection (pg_backend_pid()).
    int backend_pid() const;
    bool ok() const;

  private:
    // Throws unless `r` is a success: connection_lost when the server went away,
    // statement_error otherwise.
    void fail_unless_ok(const std::string& what, const result& r) const;

    ::pg_conn* conn_ = nullptr;
    std::string conninfo_;
    std::string password_;
    std::vector<std::pair<std::string, std::string>> options_;
    std::string where_;
    std::int64_t fence_ = 0;
    int prepared_ = 0;
};

// "host:port/database" from a connection string, for messages; "" when it does not parse.
std::string describe(const std::string& conninfo);

}  // namespace scribe::store::postgres
