// One active `scribe run` per PostgreSQL store: the lease is a session advisory lock held on a
// connection of its own, so it goes when the process dies or its session ends, and an epoch in
// the store that grows with each taking, for fencing (postgres_store::fence_writes).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace scribe::store {

namespace postgres {
class connection;
}

class postgres_lease {
  public:
    // `timeout`: how long a lost machine or a partition may go unnoticed, on either side: the
    // lease's connection gives up on a server (and the server on it) that stops answering
    // for that long.
    postgres_lease(std::string conninfo, std::string password, std::chrono::seconds timeout);
    ~postgres_lease();
    postgres_lease(const postgres_lease&) = delete;
    postgres_lease& operator=(const postgres_lease&) = delete;

    // Tries once to take the lease for `holder` (a name for logs); true when this process
    // holds it now, under a new epoch. Throws store_error when the server cannot be reached.
    bool try_acquire(const std::string& holder);

    // Whether the lease is still held: a round trip on its session, bounded by the timeout.
    bool held();

    // The epoch this process took the lease at (0 before).
    std::int64_t epoch() const { return epoch_; }
    // Who held the lease before, as the store recorded it ("" when no one ever did).
    const std::string& previous_holder() const { return previous_holder_; }

  private:
    std::string conninfo_;
    std::string password_;
    std::chrono::seconds timeout_;
    std::unique_ptr<postgres::connection> session_;  // null until connected, or after a loss
    std::int64_t epoch_ = 0;
    std::string previous_holder_;
};

}  // namespace scribe::store
