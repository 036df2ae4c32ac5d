// The websocket connection: handshakes, reads, and one writer coroutine draining the send queue.
#include "adapters/net/websocket_client.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <exception>
#include <stdexcept>
#include <type_traits>

#include "adapters/net/connect.hpp"
#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"

namespace scribe::adapters::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace detail {

// What websocket_connection needs, apart from the stream type (TLS or, in tests, plain TCP).
class websocket_session : public std::enable_shared_from_this<websocket_session> {
  public:
    virtual ~websocket_session() = default;

    virtual asio::awaitable<std::optional<websocket_message>> read() = 0;
    virtual void send(std::string text) = 0;
    virtual void close() = 0;
    // Drops the socket; pending operations complete with an error.
    virtual void abort() = 0;

    std::uint64_t pings_received() const { return pings_received_; }
    std::uint64_t pongs_received() const { return pongs_received_; }
    std::uint16_t close_code() const { return close_code_; }
    const std::string& close_reason() const { return close_reason_; }

  protected:
    std::uint64_t pings_received_ = 0;
    std::uint64_t pongs_received_ = 0;
    std::uint16_t close_code_ = 0;
    std::string close_reason_;
};

}  // namespace detail

namespace {

struct user_agent_decorator {
    std::string user_agent;
    void operator()(websocket::request_type& request) const {
        request.set(beast::http::field::user_agent, user_agent);
    }
};

template <class Stream>
class session final : public detail::websocket_session {
  public:
    template <class... Args>
    session(url u, websocket_options options, Args&&... stream_args)
        : ws_(std::forward<Args>(stream_args)...),
          url_(std::move(u)),
          options_(std::move(options)),
          close_done_(ws_.get_executor(), std::chrono::steady_clock::time_point::max()) {}

    asio::awaitable<void> open() {
        const auto deadline = std::chrono::steady_clock::now() + options_.handshake_timeout;
        auto& tcp = beast::get_lowest_layer(ws_);
        tcp.expires_at(deadline);
        co_await detail::connect_tcp(tcp, url_);
        if constexpr (std::is_same_v<Stream, detail::tls_stream>) {
            co_await detail::handshake_tls(ws_.next_layer(), url_);
        }
        // From here on the websocket's own timeouts apply; Beast wants the TCP ones off.
        tcp.expires_never();
        const auto left = std::max<std::chrono::steady_clock::duration>(
            deadline - std::chrono::steady_clock::now(), std::chrono::milliseconds(1));
        ws_.set_option(websocket::stream_base::timeout{left, options_.idle_timeout, true});
        ws_.set_option(
            websocket::stream_base::decorator(user_agent_decorator{options_.user_agent}));
        ws_.read_message_max(options_.max_message_size);
        ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
            if (kind == websocket::frame_type::ping) ++pings_received_;
            if (kind == websocket::frame_type::pong) ++pongs_received_;
        });
        websocket::response_type response;
        auto [ec] =
            co_await ws_.async_handshake(response, url_.authority(), url_.target(), nothrow);
        if (ec) {
            const std::string detail =
                response.result_int() != 0 ? "HTTP " + std::to_string(response.result_int()) : "";
            throw error(ec, "websocket handshake with", url_.peer(), detail);
        }
        // The handshake timeout now bounds the wait for the peer's close frame.
        ws_.set_option(websocket::stream_base::timeout{options_.handshake_timeout,
                                                       options_.idle_timeout, true});
        ws_.text(true);
    }

    asio::awaitable<std::optional<websocket_message>> read() override {
        const auto self = shared_from_this();
        auto [ec, size] = co_await ws_.async_read(buffer_, nothrow);
        if (ec == websocket::error::closed) {
            note_close_frame();
            co_return std::nullopt;
        }
        // Once our close frame is out, Beast's close operation reads the peer's answer itself and
        // aborts a pending read; the outcome of the close is then the outcome of this read.
        if (ec == asio::error::operation_aborted && close_sent_ && !failed_) {
            if (!close_finished_) co_await close_done_.async_wait(nothrow);
            note_close_frame();
            if (!close_error_) co_return std::nullopt;
            failed_ = true;
            throw error(close_error_, "websocket close with", url_.peer());
        }
        if (ec) {
            failed_ = true;
            note_close_frame();
            if (write_error_) throw error(write_error_, "websocket write to", url_.peer());
            throw error(ec, "websocket read from", url_.peer());
        }
        websocket_message message{ws_.got_binary(), beast::buffers_to_string(buffer_.data())};
        buffer_.consume(buffer_.size());
        co_return message;
    }

    void send(std::string text) override {
        if (close_requested_ || failed_) return;
        outbox_.push_back(std::move(text));
        start_writer();
    }

    void close() override {
        if (close_requested_ || failed_) return;
        close_requested_ = true;
        start_writer();
    }

    void abort() override {
        failed_ = true;
        beast::get_lowest_layer(ws_).close();
    }

  private:
    void start_writer() {
        if (writing_) return;
        writing_ = true;
        // drain() reports failures through write_error_ and the reader; anything it throws
        // (bad_alloc) is a bug that should stop the program rather than vanish.
        asio::co_spawn(ws_.get_executor(), drain(shared_from_this()), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    }

    // Beast allows one write at a time, so this is the only writer. `self` keeps the session alive
    // until the last write completes.
    asio::awaitable<void> drain([[maybe_unused]] std::shared_ptr<detail::websocket_session> self) {
        while (!outbox_.empty() && !failed_) {
            const std::string message = std::move(outbox_.front());
            outbox_.pop_front();
            auto [ec, size] = co_await ws_.async_write(asio::buffer(message), nothrow);
            if (ec) {
                fail_writes(ec);
                co_return;
            }
        }
        if (close_requested_ && !failed_ && !close_sent_) {
            close_sent_ = true;
            auto [ec] = co_await ws_.async_close(websocket::close_code::normal, nothrow);
            // operation_aborted / closed: a read got the peer's close frame first, which is fine.
            if (ec != asio::error::operation_aborted && ec != websocket::error::closed)
                close_error_ = ec;
            close_finished_ = true;
            close_done_.cancel();
        }
        writing_ = false;
    }

    void fail_writes(boost::system::error_code ec) {
        writing_ = false;
        if (failed_) return;
        write_error_ = ec;
        // Wake the reader, which reports write_error_.
        abort();
    }

    void note_close_frame() {
        const auto& reason = ws_.reason();
        close_code_ = reason.code;
        close_reason_ = std::string(reason.reason.data(), reason.reason.size());
    }

    websocket::stream<Stream> ws_;
    url url_;
    websocket_options options_;
    beast::flat_buffer buffer_;
    std::deque<std::string> outbox_;
    bool writing_ = false;
    bool close_requested_ = false;
    bool close_sent_ = false;
    bool failed_ = false;
    boost::system::error_code write_error_;
    // The outcome of our close handshake, for a read() that Beast aborted while it ran.
    bool close_finished_ = false;
    boost::system::error_code close_error_;
    asio::steady_timer close_done_;  // cancelled when the close handshake is over
};

}  // namespace

asio::awaitable<std::unique_ptr<websocket_connection>> websocket_connection::connect(
    asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls, url u,
    websocket_options options) {
    if (!u.websocket())
        throw error(make_error_code(errc::unsupported_scheme), "websocket connect to", u.peer());
    if (const auto ec = check_plaintext_policy(u, options.allow_plaintext)) {
        throw error(ec, "websocket connect to", u.peer());
    }
    std::shared_ptr<detail::websocket_session> opened;
    if (u.secure()) {
        if (!tls) throw std::invalid_argument("websocket_connection: wss needs a TLS context");
        auto s = std::make_shared<session<detail::tls_stream>>(u, options, executor, *tls);
        co_await s->open();
        opened = std::move(s);
    } else {
        auto s = std::make_shared<session<beast::tcp_stream>>(u, options, executor);
        co_await s->open();
        opened = std::move(s);
    }
    co_return std::unique_ptr<websocket_connection>(new websocket_connection(std::move(opened)));
}

websocket_connection::websocket_connection(std::shared_ptr<detail::websocket_session> session)
    : session_(std::move(session)) {}

websocket_connection::~websocket_connection() { session_->abort(); }

asio::awaitable<std::optional<websocket_message>> websocket_connection::read() {
    return session_->read();
}

void websocket_connection::send(std::string text) { session_->send(std::move(text)); }

void websocket_connection::close() { session_->close(); }

std::uint64_t websocket_connection::pings_received() const { return session_->pings_received(); }

std::uint64_t websocket_connection::pongs_received() const { return session_->pongs_received(); }

std::uint16_t websocket_connection::close_code() const { return session_->close_code(); }

std::string websocket_connection::close_reason() const { return session_->close_reason(); }

}  // namespace scribe::adapters::net
