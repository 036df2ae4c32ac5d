// How each backend starts a write transaction and notices other writers.
#include "bot/store/detail/backends.hpp"

namespace scribe::store::detail {

sqlite_backend::transactions::transactions(connection& db)
    : begin_(db, "begin transaction", "BEGIN IMMEDIATE"),
      data_version_(db, "look for other writers", "PRAGMA data_version") {}

bool sqlite_backend::transactions::begin() {
    // Each try waits up to the busy timeout for another process's write transaction.
    constexpr int tries = 3;
    for (int attempt = 1;; ++attempt) {
        try {
            begin_.run();
            break;
        } catch (const busy_file&) {
            if (attempt == tries) throw;
        }
    }
    // data_version changes when another connection commits, never for this one's commits.
    auto row = data_version_.query();
    const std::int64_t version = row.next() ? row.int64(0) : 0;
    const bool others_wrote = seen_ != version;
    seen_ = version;
    return others_wrote;
}

postgres_backend::transactions::transactions(connection& db)
    : db_(db),
      begin_(db, "begin transaction", "BEGIN"),
      lock_(db, "wait for other writers", "SELECT pg_advisory_xact_lock(5495890031626945282)"),
      count_write_(db, "count writes",
                   "UPDATE store_writes SET counter = counter + 1 RETURNING counter"),
      // FOR SHARE: a replica taking the lease waits for this transaction to end.
      lease_epoch_(db, "check the lease", "SELECT epoch FROM scribe_lease FOR SHARE") {}

bool postgres_backend::transactions::begin() {
    begin_.run();
    lock_.run();
    if (const auto fence = db_.fence(); fence != 0) {
        auto lease = lease_epoch_.query();
        const std::int64_t epoch = lease.next() ? lease.int64(0) : 0;
        if (epoch != fence) {
            throw store_error("this Scribe no longer holds the store's lease (its epoch " +
                              std::to_string(fence) + ", the store's " + std::to_string(epoch) +
                              "): another replica is active");
        }
    }
    // Every write transaction counts itself, so a count that is not one more than this
    // writer's last means that another one wrote in between (or that ours rolled back).
    auto row = count_write_.query();
    const std::int64_t count = row.next() ? row.int64(0) : 0;
    const bool others_wrote = !last_written_ || *last_written_ != count - 1;
    last_written_ = count;
    return others_wrote;
}

}  // namespace scribe::store::detail
