// What the event writer and reader need from a database besides SQL they share: its
// connection and statement types, how a write transaction starts and learns that another
// process wrote since the last one, and how to open a second connection like the first.
#pragma once

#include <cstdint>
#include <optional>

#include "bot/store/detail/connection.hpp"
#include "bot/store/detail/statement.hpp"
#include "bot/store/postgres/pg_statement.hpp"

namespace scribe::store::detail {

struct sqlite_backend {
    using connection = detail::connection;
    using statement = detail::statement;

    class transactions {
      public:
        explicit transactions(connection& db);
        // Starts a write transaction, trying again while another process holds the write
        // lock; whether another connection committed since this one's last transaction.
        bool begin();

      private:
        statement begin_;
        statement data_version_;
        std::optional<std::int64_t> seen_;
    };

    // Another connection to the same file, as the first was opened.
    static connection another(const connection& db) { return connection(db.path(), db.mode()); }
};

struct postgres_backend {
    using connection = postgres::connection;
    using statement = postgres::statement;

    class transactions {
      public:
        explicit transactions(connection& db);
        // Starts a transaction and takes the store's write lock, which every Scribe writer on
        // the database takes, so that incident numbers and sequences are assigned one writer
        // at a time; whether another writer committed since this one's last transaction.
        bool begin();

      private:
        connection& db_;
        statement begin_;
        statement lock_;
        statement count_write_;
        statement lease_epoch_;
        std::optional<std::int64_t> last_written_;
    };

    static connection another(const connection& db) { return db.another(); }
};

}  // namespace scribe::store::detail
