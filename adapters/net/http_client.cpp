// The HTTP client: connection pool, one retry on a stale keep-alive connection, timeouts.
#include "adapters/net/http_client.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <stdexcept>
#include <variant>

#include "adapters/net/connect.hpp"
#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"

namespace scribe::adapters::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Response headers of Web API replies stay far below this; Beast's default (8 KiB) is tight.
constexpr std::uint32_t header_limit = 64 * 1024;

bool has_control_characters(std::string_view s) {
    for (const char c : s) {
        if (c == '\r' || c == '\n' || c == '\0') return true;
    }
    return false;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto fold = [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (fold(a[i]) != fold(b[i])) return false;
    }
    return true;
}

struct attempt_result {
    boost::system::error_code ec;
    const char* operation = "";
    // Whether any byte of the response arrived: if none did, a stale connection is the likely
    // cause.
    bool response_started = false;
};

template <class Stream>
asio::awaitable<attempt_result> exchange(Stream& stream, beast::flat_buffer& buffer,
                                         const http::request<http::string_body>& message,
                                         http::response_parser<http::string_body>& parser) {
    auto [write_ec, written] = co_await http::async_write(stream, message, nothrow);
    if (write_ec) co_return attempt_result{write_ec, "HTTP request to", false};
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, nothrow);
    if (read_ec) {
        co_return attempt_result{read_ec, "HTTP response from",
                                 parser.got_some() || buffer.size() > 0};
    }
    co_return attempt_result{};
}

}  // namespace

std::optional<std::string_view> http_response::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

// The places for connections, and who waits for one.
struct http_client::slots {
    std::size_t open = 0;      // connections that exist, including ones still connecting
    std::size_t promised = 0;  // places given to waiters that have not opened theirs yet
    std::deque<waiter*> waiting;  // first come, first served

    bool full(std::size_t max_connections) const { return open + promised >= max_connections; }
    // A connection closed: the first waiter may open one in its place.
    void place_freed();
};

struct http_client::connection {
    explicit connection(const http_client& client)
        : pool(client.slots_), stream(std::in_place_type<beast::tcp_stream>, client.executor_) {
        ++pool->open;
    }
    connection(const http_client& client, asio::ssl::context& tls)
        : pool(client.slots_),
          stream(std::in_place_type<detail::tls_stream>, client.executor_, tls) {
        ++pool->open;
    }
    ~connection() {
        --pool->open;
        pool->place_freed();
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    beast::tcp_stream& tcp() {
        return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                          stream);
    }

    std::shared_ptr<http_client::slots> pool;
    std::variant<beast::tcp_stream, detail::tls_stream> stream;
    beast::flat_buffer buffer;
    bool used = false;  // has served a request: it may have been closed while idle
};

// A request waiting for a connection. What frees one hands it over directly (a connection
// released, or a place to open one in), so no later request can take it first.
struct http_client::waiter {
    explicit waiter(const http_client& client) : pool(client.slots_), timer(client.executor_) {
        pool->waiting.push_back(this);
    }
    // Also when the waiting coroutine is destroyed unresumed: what it was given goes on to the
    // next in line (`handed` through its connection's destructor).
    ~waiter() {
        std::erase(pool->waiting, this);
        if (may_open) {
            --pool->promised;
            pool->place_freed();
        }
    }
    waiter(const waiter&) = delete;
    waiter& operator=(const waiter&) = delete;

    std::shared_ptr<http_client::slots> pool;
    asio::steady_timer timer;
    std::unique_ptr<connection> handed;
    bool may_open = false;
};

void http_client::slots::place_freed() {
    if (waiting.empty()) return;
    waiter* first = waiting.front();
    waiting.pop_front();
    first->may_open = true;
    ++promised;
    first->timer.cancel();
}

http_client::http_client(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                         url origin, http_client_options options)
    : executor_(std::move(executor)),
      tls_(std::move(tls)),
      origin_(std::move(origin)),
      options_(std::move(options)),
      slots_(std::make_shared<slots>()) {
    if (origin_.websocket()) {
        throw error(make_error_code(errc::unsupported_scheme), "HTTP client for", origin_.peer());
    }
    if (const auto ec = check_plaintext_policy(origin_, options_.allow_plaintext)) {
        throw error(ec, "HTTP client for", origin_.peer());
    }
    if (origin_.secure() && !tls_)
        throw std::invalid_argument("http_client: https needs a TLS context");
}

http_client::~http_client() = default;

asio::awaitable<std::unique_ptr<http_client::connection>> http_client::take_connection(
    bool reuse, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        if (slots_->waiting.empty()) {  // otherwise they come first
            if (reuse && !idle_.empty()) {
                // Most recently used first: the least likely to have been closed by the server.
                auto c = std::move(idle_.back());
                idle_.pop_back();
                co_return c;
            }
            if (!slots_->full(options_.max_connections)) co_return co_await open_connection();
            if (!idle_.empty()) {
                idle_.pop_front();  // a new connection is wanted: close an idle one for room
                continue;
            }
        }
        waiter w(*this);
        w.timer.expires_at(deadline);
        co_await w.timer.async_wait(nothrow);  // cancelled when something is handed over
        if (w.handed) co_return std::move(w.handed);
        if (w.may_open) {
            w.may_open = false;
            --slots_->promised;
            co_return co_await open_connection();
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw error(beast::error::timeout, "waiting for a connection to", origin_.peer());
        }
    }
}

asio::awaitable<std::unique_ptr<http_client::connection>> http_client::open_connection() {
    auto c = origin_.secure() ? std::make_unique<connection>(*this, *tls_)
                              : std::make_unique<connection>(*this);
    c->tcp().expires_after(options_.connect_timeout);
    co_await detail::connect_tcp(c->tcp(), origin_);
    if (auto* tls = std::get_if<detail::tls_stream>(&c->stream)) {
        co_await detail::handshake_tls(*tls, origin_);
    }
    c->tcp().expires_never();
    ++connections_opened_;
    co_return c;
}

void http_client::release(std::unique_ptr<connection> c) {
    c->used = true;
    if (slots_->waiting.empty()) {
        idle_.push_back(std::move(c));
        return;
    }
    waiter* first = slots_->waiting.front();
    slots_->waiting.pop_front();
    first->handed = std::move(c);
    first->timer.cancel();
}

asio::awaitable<http_response> http_client::request(http_request request) {
    const auto verb = http::string_to_verb(request.method);
    bool valid = verb != http::verb::unknown && !request.target.empty() &&
                 request.target.find_first_of(" \t\r\n") == std::string::npos &&
                 !has_control_characters(request.content_type);
    for (const auto& [name, value] : request.headers) {
        valid = valid && !name.empty() && !has_control_characters(name) &&
                !has_control_characters(value);
    }
    if (!valid)
        throw error(make_error_code(errc::invalid_request), "HTTP request to", origin_.peer());

    http::request<http::string_body> message{verb, request.target, 11};
    message.set(http::field::host, origin_.authority());
    message.set(http::field::user_agent, options_.user_agent);
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
    message.body() = std::move(request.body);
    message.keep_alive(true);
    message.prepare_payload();

    const auto timeout = request.timeout.value_or(options_.request_timeout);
    bool retried = false;
    for (;;) {
        std::unique_ptr<connection> c =
            co_await take_connection(!retried, std::chrono::steady_clock::now() + timeout);
        const bool reused = c->used;

        http::response_parser<http::string_body> parser;
        parser.body_limit(options_.body_limit);
        parser.header_limit(header_limit);
        if (verb == http::verb::head) parser.skip(true);

        c->tcp().expires_after(timeout);
        attempt_result result;
        if (auto* tls = std::get_if<detail::tls_stream>(&c->stream)) {
            result = co_await exchange(*tls, c->buffer, message, parser);
        } else {
            result = co_await exchange(std::get<beast::tcp_stream>(c->stream), c->buffer, message,
                                       parser);
        }
        if (result.ec) {
            // A timeout is not a stale connection: the server may be working on the request.
            if (!retried && reused && !result.response_started &&
                result.ec != beast::error::timeout) {
                retried = true;
                continue;
            }
            throw error(result.ec, result.operation, origin_.peer());
        }
        c->tcp().expires_never();

        const bool keep_alive = parser.keep_alive();
        auto reply = parser.release();
        http_response response;
        response.status = reply.result_int();
        for (const auto& field : reply) {
            response.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
        }
        response.body = std::move(reply.body());
        if (keep_alive) release(std::move(c));
        co_return response;
    }
}

}  // namespace scribe::adapters::net
