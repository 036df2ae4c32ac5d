// HTTP/1.1 client for one origin, over TLS, with a pool of keep-alive connections.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::net {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
    std::string method = "GET";  // "GET", "POST", "PUT", "DELETE", ...
    std::string target = "/";    // path and query, e.g. "/api/chat.postMessage"
    header_list headers;         // Host, User-Agent and Content-Length are set by the client
    std::string body;
    std::string content_type;  // sent when not empty
    // Overrides http_client_options::request_timeout (long polls).
    std::optional<std::chrono::milliseconds> timeout;
};

struct http_response {
    unsigned status = 0;
    header_list headers;
    std::string body;

    // The first header with this name, compared case-insensitively; a view into `headers`.
    std::optional<std::string_view> header(std::string_view name) const;
};

struct http_client_options {
    // Resolve, TCP connect and TLS handshake of a new connection. (Resolving a name cannot be
    // interrupted; it is bounded by the system resolver's own timeout.)
    std::chrono::milliseconds connect_timeout{10'000};
    // Writing the request and reading the whole response, per attempt.
    std::chrono::milliseconds request_timeout{30'000};
    // Connections open at once, busy or idle (kept alive for reuse). A request that finds none
    // free waits for one, first come first served, for at most its timeout: a new TLS
    // handshake costs far more than the wait.
    std::size_t max_connections = 16;
    std::uint64_t body_limit = 64ull * 1024 * 1024;
    // http:// to a loopback host, for tests against local fakes; refused otherwise.
    bool allow_plaintext = false;
    std::string user_agent = "scribe";
};

// Requests to one origin (scheme, host, port). Concurrent requests each use their own
// connection: an idle one from the pool, a new one, or, at max_connections, the next one freed.
//
// A pooled connection may have been closed by the server while idle. When a reused connection
// fails before any byte of the response arrives, the request is sent once more on a new
// connection. That is safe only for requests that are idempotent or that the caller would retry
// anyway, which holds for the Slack Web API and Matrix calls we make (Matrix sends carry txn ids).
//
// Use from coroutines on the client's executor (one thread, an implicit strand); the client must
// outlive its requests. Transport failures throw net::error; HTTP error statuses are responses.
class http_client {
  public:
    // `origin`'s path and query are ignored. Throws net::error for a ws(s) URL or a plaintext
    // origin the policy refuses (see check_plaintext_policy).
    http_client(boost::asio::any_io_executor executor,
                std::shared_ptr<boost::asio::ssl::context> tls, url origin,
                http_client_options options = {});
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    boost::asio::awaitable<http_response> request(http_request request);

    const url& origin() const { return origin_; }
    // Counters for tests and diagnostics.
    std::size_t idle_connections() const { return idle_.size(); }
    std::uint64_t connections_opened() const { return connections_opened_; }

  private:
    struct connection;
    struct waiter;
    struct slots;

    // An idle connection (when `reuse`), a new one, or, while max_connections are open, the
    // next one freed; throws net::error at `deadline`.
    boost::asio::awaitable<std::unique_ptr<connection>> take_connection(
        bool reuse, std::chrono::steady_clock::time_point deadline);
    boost::asio::awaitable<std::unique_ptr<connection>> open_connection();
    void release(std::unique_ptr<connection> c);

    boost::asio::any_io_executor executor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    url origin_;
    http_client_options options_;
    std::uint64_t connections_opened_ = 0;
    // Shared with connections and waiting requests, which a stopped io_context may destroy
    // after the client.
    std::shared_ptr<slots> slots_;
    std::deque<std::unique_ptr<connection>> idle_;
};

}  // namespace scribe::adapters::net
