// libpq behind the store's own types: results freed by their owner, failures as exceptions
// that say what was being done and where.
#include "bot/store/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <charconv>

namespace scribe::store::postgres {

namespace {

// libpq's messages end with a newline and may span lines; a log line wants one.
std::string one_line(const char* message) {
    std::string text = message != nullptr ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (char& c : text) {
        if (c == '\n') c = ' ';
    }
    return text;
}

}  // namespace

std::string describe(const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    PQfreemem(error);
    if (options == nullptr) return {};
    std::string host, port, database;
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string_view key = o->keyword;
        if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
        if (key == "port") port = o->val;
        if (key == "dbname") database = o->val;
    }
    PQconninfoFree(options);
    return (host.empty() ? "localhost" : host) + ":" + (port.empty() ? "5432" : port) + "/" +
           database;
}

result::result(::pg_result* r) : result_(r) {}
result::~result() { PQclear(result_); }
result::result(result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }

int result::rows() const { return PQntuples(result_); }

bool result::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view result::text(int row, int column) const {
    return {PQgetvalue(result_, row, column),
            static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::int64_t result::integer(int row, int column) const {
    const std::string_view value = text(row, column);
    std::int64_t n = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (error != std::errc{} || end != value.data() + value.size()) {
        throw store_error("PostgreSQL returned '" + std::string(value) + "' for an integer");
    }
    return n;
}

std::int64_t result::affected() const {
    const char* count = PQcmdTuples(result_);
    std::int64_t n = 0;
    std::from_chars(count, count + std::char_traits<char>::length(count), n);
    return n;
}

namespace {

// The string or URI expanded as dbname, then the password when there is one and `options`,
// which take precedence over the string's. Sessions are named after the process (unless the
// string names them), so pg_stat_activity tells the replicas apart.
::pg_conn* connect(const std::string& conninfo, const std::string& password,
                   const std::vector<std::pair<std::string, std::string>>& options) {
    static const std::string session_name = "scribe pid " + std::to_string(::getpid());
    std::vector<const char*> keys{"fallback_application_name", "dbname"};
    std::vector<const char*> values{session_name.c_str(), conninfo.c_str()};
    if (!password.empty()) {
        keys.push_back("password");
        values.push_back(password.c_str());
    }
    for (const auto& [key, value] : options) {
        keys.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    return PQconnectdbParams(keys.data(), values.data(), 1);
}

}  // namespace

connection::connection(const std::string& conninfo, const std::string& password,
                       std::vector<std::pair<std::string, std::string>> options)
    : conn_(connect(conninfo, password, options)),
      conninfo_(conninfo),
      password_(password),
      options_(std::move(options)),
      where_(describe(conninfo)) {
    if (conn_ == nullptr) throw connection_lost("PostgreSQL at " + where_ + ": out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string message = one_line(PQerrorMessage(conn_));
        PQfinish(conn_);
        throw connection_lost("cannot connect to PostgreSQL at " + where_ + ": " + message);
    }
}

connection::~connection() { PQfinish(conn_); }

connection::connection(connection&& other) noexcept
    : conn_(other.conn_),
      conninfo_(std::move(other.conninfo_)),
      password_(std::move(other.password_)),
      options_(std::move(other.options_)),
      where_(std::move(other.where_)),
      fence_(other.fence_),
      prepared_(other.prepared_) {
    other.conn_ = nullptr;
}

bool connection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

int connection::backend_pid() const { return PQbackendPID(conn_); }

result connection::exec(const std::string& sql, const std::vector<parameter>& parameters,
                        const std::string& what) {
    std::vector<const char*> values;
    values.reserve(parameters.size());
    for (const auto& p : parameters) values.push_back(p ? p->c_str() : nullptr);
    result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0));
    fail_unless_ok(what, r);
    return r;
}

std::string connection::prepare(const std::string& sql, const std::string& what) {
    std::string name = "s" + std::to_string(++prepared_);
    result r(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    fail_unless_ok("prepare " + what, r);
    return name;
}

result connection::exec_prepared(const std::string& name, const std::vector<parameter>& parameters,
                                 const std::string& what) {
    std::vector<const char*> values;
    values.reserve(parameters.size());
    for (const auto& p : parameters) values.push_back(p ? p->c_str() : nullptr);
    result r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                            nullptr, nullptr, 0));
    fail_unless_ok(what, r);
    return r;
}

bool connection::in_transaction() const {
    const auto status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void connection::exec(const std::string& sql, const std::string& what) {
    result r(PQexec(conn_, sql.c_str()));
    fail_unless_ok(what, r);
}

void connection::fail_unless_ok(const std::string& what, const result& r) const {
    const ExecStatusType status = PQresultStatus(r.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    if (r.get() == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        throw connection_lost(what + ": the connection to PostgreSQL at " + where_ +
                              " was lost: " + one_line(PQerrorMessage(conn_)));
    }
    const char* sqlstate = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
    const char* message = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY);
    throw statement_error(what + ": " + one_line(message ? message : PQresultErrorMessage(r.get())),
                          sqlstate ? sqlstate : "");
}

}  // namespace scribe::store::postgres
