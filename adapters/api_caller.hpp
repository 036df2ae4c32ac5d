// One retrying caller for the platforms' HTTP APIs: sends, asks the platform's classifier what
// the answer means, waits out rate limits, retries transient failures with capped, jittered
// backoff, and throws what cannot be helped.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "adapters/api_verdict.hpp"
#include "adapters/backoff.hpp"
#include "adapters/net/http_client.hpp"
#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters {

struct api_limits {
    int attempts = 5;              // tries of a request that keeps failing on the way or with 5xx
    int rate_limit_attempts = 20;  // waits a request sits out for rate limits, each bounded
    backoff_policy backoff{std::chrono::milliseconds{200}, std::chrono::milliseconds{500},
                           std::chrono::seconds{30}};
};

// The platform's reading of an answer (pure; `now` dates a Retry-After given as a date).
using api_classifier = std::function<api_verdict(const api_answer&, std::chrono::system_clock::time_point now)>;

struct api_call {
    net::http_request request;
    std::string what;   // "Slack chat.postMessage in C123", for logs and errors; never a secret
    bool retry = true;  // false: the first failure throws (a loop with a backoff of its own)
};

struct api_stats {
    std::uint64_t calls = 0;
    std::uint64_t retries = 0;
    std::uint64_t rate_limit_waits = 0;
};

class api_caller {
public:
    // Throws net::error for a URL the plaintext policy refuses.
    api_caller(boost::asio::any_io_executor executor,
               std::shared_ptr<boost::asio::ssl::context> tls, net::url origin,
               net::http_client_options http, api_classifier classify, api_limits limits = {});
    ~api_caller();
    api_caller(const api_caller&) = delete;
    api_caller& operator=(const api_caller&) = delete;

    // The answer of a success. Throws credential_refused; api_failure for a refusal or when
    // retries ran out; net::error when the transport kept failing (or failed once, without
    // retries).
    boost::asio::awaitable<net::http_response> call(api_call c);

    const api_stats& stats() const { return stats_; }

private:
    std::unique_ptr<net::http_client> http_;
    api_classifier classify_;
    api_limits limits_;
    std::mt19937_64 random_;
    api_stats stats_;
};

}  // namespace scribe::adapters
