// Matrix client-server calls over the shared HTTP client: the access token, error answers
// classified, 429 waited out, transient failures retried with backoff.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "adapters/backoff.hpp"
#include "adapters/matrix/errors.hpp"
#include "adapters/matrix/requests.hpp"
#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::net {
class http_client;
}

namespace scribe::adapters::matrix {

// The homeserver refused the access token (M_UNKNOWN_TOKEN, M_MISSING_TOKEN): nothing works
// until a person gives the bot a new one, so the adapter stops instead of retrying.
class auth_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A call failed for good: forbidden, not found, rejected, or retries spent.
class call_error : public std::runtime_error {
  public:
    call_error(const std::string& what, error_kind kind, std::string errcode)
        : std::runtime_error(what), kind_(kind), errcode_(std::move(errcode)) {}
    error_kind kind() const { return kind_; }
    const std::string& errcode() const { return errcode_; }

  private:
    error_kind kind_;
    std::string errcode_;
};

struct client_options {
    bool allow_plaintext = false;  // http:// to loopback, for tests
    std::chrono::milliseconds request_timeout{30'000};
    // Attempts of a call that fails on the way (5xx, dropped connection); 429s are waited out
    // up to rate_limit_attempts times.
    int attempts = 5;
    int rate_limit_attempts = 20;
    backoff_policy backoff{std::chrono::milliseconds{200}, std::chrono::milliseconds{500},
                           std::chrono::seconds{30}};
};

struct call_options {
    std::string room;  // for log lines and errors
    std::optional<std::chrono::milliseconds> timeout;  // a long poll's own
    bool retry = true;  // false: the first failure throws (the sync loop has its own backoff)
};

struct client_stats {
    std::uint64_t calls = 0;
    std::uint64_t retries = 0;
    std::uint64_t rate_limit_waits = 0;
};

class client {
  public:
    // Throws net::error for a homeserver URL the plaintext policy refuses.
    client(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
           net::url homeserver, client_options options = {});
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // Sent as `Authorization: Bearer …`; never logged.
    void set_access_token(std::string token) { token_ = std::move(token); }

    // The answer's body of a 2xx. Throws auth_error, call_error, or net::error when the
    // transport failed and retries are spent (or not wanted).
    boost::asio::awaitable<std::string> call(request r, call_options options);

    const client_stats& stats() const { return stats_; }

  private:
    boost::asio::any_io_executor executor_;
    client_options options_;
    std::unique_ptr<net::http_client> http_;
    std::string token_;
    std::mt19937_64 random_;
    client_stats stats_;
};

}  // namespace scribe::adapters::matrix
