// Each call: send, classify the answer, wait and retry when that can help, else throw.
#include "adapters/matrix/client.hpp"

#include <spdlog/spdlog.h>

#include "adapters/net/error.hpp"
#include "adapters/net/http_client.hpp"
#include "adapters/net/sleep.hpp"

namespace scribe::adapters::matrix {
namespace {

// Built outside the coroutine: g++ 12 mishandles temporaries of braced lists inside one.
net::http_request to_http(const request& r, const std::string& token,
                          std::optional<std::chrono::milliseconds> timeout) {
    net::http_request out;
    out.method = std::string(to_string(r.method));
    out.target = r.target();
    if (!token.empty()) out.headers.emplace_back("Authorization", "Bearer " + token);
    out.body = r.body;
    out.content_type = r.content_type;
    out.timeout = timeout;
    return out;
}

// "PUT /_matrix/client/v3/rooms/…/send/…" in !room:hs: what failed, for the log.
std::string describe(const request& r, const std::string& room) {
    std::string text = std::string(to_string(r.method)) + " " + r.path;
    if (!room.empty()) text += " in " + room;
    return text;
}

std::string describe_error(const matrix_error& e) {
    std::string text = std::to_string(e.status);
    if (!e.errcode.empty()) text += " " + e.errcode;
    if (!e.error.empty()) text += ": " + e.error;
    return text;
}

}  // namespace

client::client(boost::asio::any_io_executor executor,
               std::shared_ptr<boost::asio::ssl::context> tls, net::url homeserver,
               client_options options)
    : executor_(std::move(executor)), options_(options), random_(std::random_device{}()) {
    net::http_client_options http;
    http.allow_plaintext = options_.allow_plaintext;
    http.request_timeout = options_.request_timeout;
    http_ = std::make_unique<net::http_client>(executor_, std::move(tls), std::move(homeserver),
                                               http);
}

client::~client() = default;

boost::asio::awaitable<std::string> client::call(request r, call_options options) {
    ++stats_.calls;
    const std::string what = describe(r, options.room);
    int failures = 0;
    int rate_limited = 0;
    for (;;) {
        net::http_response response;
        std::string transport_failure;
        try {
            response = co_await http_->request(to_http(r, token_, options.timeout));
        } catch (const net::error& e) {
            if (!options.retry || ++failures >= options_.attempts) throw;
            transport_failure = e.what();
        }
        if (!transport_failure.empty()) {
            // Awaiting is not allowed inside a handler, so the wait comes out here.
            const auto wait = options_.backoff.delay(static_cast<unsigned>(failures - 1), random_);
            spdlog::warn("Matrix {} failed ({}); retrying in {} ms", what, transport_failure,
                         wait.count());
            ++stats_.retries;
            co_await net::sleep_for(wait);
            continue;
        }
        if (response.status >= 200 && response.status < 300) co_return std::move(response.body);

        const matrix_error error = parse_error(static_cast<int>(response.status), response.body);
        const error_kind kind = classify(error);
        const std::string failure = "Matrix " + what + " failed: " + describe_error(error);
        switch (kind) {
            case error_kind::unauthorized:
                throw auth_error("the homeserver refused the Matrix access token (" +
                                 describe_error(error) +
                                 "); give the bot a new token (matrix.access_token) or its "
                                 "password (matrix.password)");
            case error_kind::rate_limited:
                if (options.retry && ++rate_limited < options_.rate_limit_attempts) {
                    const auto wait = rate_limit_wait(error, response.header("retry-after"),
                                                      std::chrono::system_clock::now());
                    spdlog::info("Matrix {} rate limited; waiting {} ms", what, wait.count());
                    ++stats_.rate_limit_waits;
                    co_await net::sleep_for(wait);
                    continue;
                }
                break;
            case error_kind::transient:
                if (options.retry && ++failures < options_.attempts) {
                    const auto wait =
                        options_.backoff.delay(static_cast<unsigned>(failures - 1), random_);
                    spdlog::warn("{}; retrying in {} ms", failure, wait.count());
                    ++stats_.retries;
                    co_await net::sleep_for(wait);
                    continue;
                }
                break;
            case error_kind::forbidden:
            case error_kind::not_found:
            case error_kind::rejected:
                break;
        }
        throw call_error(failure, kind, error.errcode);
    }
}

}  // namespace scribe::adapters::matrix
