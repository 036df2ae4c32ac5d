// A prepared statement kept for the life of its connection, and the cursor that runs it once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bot/store/detail/connection.hpp"

struct sqlite3_stmt;

namespace scribe::store::detail {

class statement {
public:
    // `what` names the operation in errors ("insert event").
    statement(const connection& db, std::string what, std::string_view sql);
    ~statement();
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    // One execution: steps through the rows, and resets the statement when it goes, so no
    // half-read statement keeps a read snapshot open.
    class cursor {
    public:
        explicit cursor(statement& s) : s_(s) {}
        ~cursor();
        cursor(const cursor&) = delete;
        cursor& operator=(const cursor&) = delete;

        // Whether a row is available; throws store_error on failure.
        bool next();
        // Runs to completion, for statements that return no rows.
        void finish();

        std::int64_t int64(int column) const;
        std::string text(int column) const;
        bool is_null(int column) const;

    private:
        statement& s_;
    };

    // Binds `args` to ?1, ?2, ... in order; nullptr and an empty optional bind NULL.
    template <class... Args>
    cursor query(const Args&... args) {
        clear();
        int index = 0;
        (bind(++index, args), ...);
        return cursor(*this);
    }

    // Binds and runs a statement that returns no rows.
    template <class... Args>
    void run(const Args&... args) {
        query(args...).finish();
    }

private:
    void clear();
    void bind(int index, std::int64_t value);
    void bind(int index, int value);
    void bind(int index, std::string_view value);
    void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
    void bind(int index, const char* value) { bind(index, std::string_view(value)); }
    void bind(int index, std::nullptr_t);
    void bind(int index, const std::optional<std::string>& value);
    void bind(int index, const std::optional<std::int64_t>& value);
    [[noreturn]] void fail() const;

    sqlite3_stmt* stmt_ = nullptr;
    std::string what_;
};

}  // namespace scribe::store::detail
