// Matrix client-server calls: requests with the access token, through the one retrying caller
// with the homeserver's answers classified (errors.hpp).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "adapters/api_caller.hpp"
#include "adapters/matrix/errors.hpp"
#include "adapters/matrix/requests.hpp"
#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::matrix {

struct client_options {
    bool allow_plaintext = false;  // http:// to loopback, for tests
    std::chrono::milliseconds request_timeout{30'000};
    api_limits limits;
};

struct call_options {
    std::string room;  // for log lines and errors
    std::optional<std::chrono::milliseconds> timeout;  // a long poll's own
    bool retry = true;  // false: the first failure throws (the sync loop has its own backoff)
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

    // The answer's body of a 2xx. Throws credential_refused when the homeserver refuses the
    // token, api_failure for a refusal or retries spent, net::error when the transport failed
    // and retries are spent (or not wanted).
    boost::asio::awaitable<std::string> call(request r, call_options options);

    const api_stats& stats() const { return api_.stats(); }

  private:
    api_caller api_;
    std::string token_;
};

}  // namespace scribe::adapters::matrix
