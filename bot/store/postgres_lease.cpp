// The lease: a session advisory lock and the epoch beside it.
#include "bot/store/postgres_lease.hpp"

#include <algorithm>

#include "bot/store/postgres/pg_connection.hpp"

namespace scribe::store {

namespace {

constexpr const char* take_lock = "SELECT pg_try_advisory_lock(5495890031626945283)";

std::string whole_seconds(std::chrono::seconds s) {
    return std::to_string(std::max<long>(1, static_cast<long>(s.count())));
}

}  // namespace

postgres_lease::postgres_lease(std::string conninfo, std::string password,
                               std::chrono::seconds timeout)
    : conninfo_(std::move(conninfo)), password_(std::move(password)), timeout_(timeout) {}

postgres_lease::~postgres_lease() = default;

bool postgres_lease::try_acquire(const std::string& holder) {
    if (!session_) {
        // Keepalives a third of the timeout apart, three unanswered ones ending the
        // connection, and written data unacknowledged for the whole timeout ending it too:
        // on this side, and on the server's for its end of the session.
        const auto idle = whole_seconds(timeout_ / 3);
        const auto interval = whole_seconds(timeout_ / 6);
        const auto user_timeout = std::to_string(timeout_.count() * 1000);
        session_ = std::make_unique<postgres::connection>(
            conninfo_, password_,
            std::vector<std::pair<std::string, std::string>>{
                {"keepalives", "1"},
                {"keepalives_idle", idle},
                {"keepalives_interval", interval},
                {"keepalives_count", "3"},
                {"tcp_user_timeout", user_timeout},
                {"connect_timeout", whole_seconds(timeout_ / 3)}});
        session_->exec(
            "SET tcp_keepalives_idle = " + idle + "; SET tcp_keepalives_interval = " + interval +
                "; SET tcp_keepalives_count = 3; SET tcp_user_timeout = " + user_timeout +
                "; SET statement_timeout = " + user_timeout,
            "setting up the lease's session");
    }
    try {
        if (session_->exec(take_lock, {}, "trying the lease").text(0, 0) != "t") return false;
        const auto before =
            session_->exec("SELECT holder FROM scribe_lease", {}, "reading the lease");
        previous_holder_ = before.rows() > 0 ? std::string(before.text(0, 0)) : std::string();
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        epoch_ = session_
                     ->exec(
                         "UPDATE scribe_lease SET epoch = epoch + 1, holder = $1, since = $2 "
                         "RETURNING epoch",
                         {holder, std::to_string(now)}, "taking the lease")
                     .integer(0, 0);
        return true;
    } catch (const postgres::connection_lost&) {
        session_.reset();
        throw;
    }
}

bool postgres_lease::held() {
    if (!session_ || epoch_ == 0) return false;
    try {
        session_->exec("SELECT 1", {}, "checking the lease");
        return true;
    } catch (const store_error&) {
        session_.reset();
        return false;
    }
}

}  // namespace scribe::store
