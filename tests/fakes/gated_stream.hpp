// A stream layer whose reads can be held back, so a fake server can go silent without closing.
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <utility>

namespace scribe::fakes {

// Sits between a websocket stream and its TLS stream. While held, bytes that arrive stay
// unprocessed: Beast answers pings inside its read loop and has no switch to stop that, so the
// only faithful way to stop answering pings is to stop reading. Held reads complete only once the
// gate opens again (or the socket under them fails), which keeps a silent link truly silent.
template <class Stream>
class gated_stream {
  public:
    using next_layer_type = Stream;
    using executor_type = typename Stream::executor_type;

    template <class... Args>
    explicit gated_stream(Args&&... args)
        : next_(std::forward<Args>(args)...), wake_(next_.get_executor()) {
        wake_.expires_at(boost::asio::steady_timer::time_point::max());
    }

    executor_type get_executor() noexcept { return next_.get_executor(); }
    Stream& next_layer() noexcept { return next_; }
    const Stream& next_layer() const noexcept { return next_; }

    // Holding takes effect for the read that is in flight too: its bytes wait until release.
    void hold(bool held) {
        held_ = held;
        if (!held_) wake_.cancel();
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            read_op<MutableBuffers>{*this, buffers}, token, next_);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return next_.async_write_some(buffers, std::forward<Token>(token));
    }

  private:
    template <class MutableBuffers>
    struct read_op {
        gated_stream& stream;
        MutableBuffers buffers;
        bool started = false;
        bool read_done = false;
        boost::system::error_code result;
        std::size_t bytes = 0;

        // Called first with no arguments, then by the read's completion (ec, n), then by
        // the wake timer's completions (ec) while the gate stays held.
        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
            if (!started) {
                started = true;
                stream.next_.async_read_some(buffers, std::move(self));
                return;
            }
            if (!read_done) {
                read_done = true;
                result = ec;
                bytes = n;
            }
            if (stream.held_) {
                stream.wake_.async_wait(std::move(self));
                return;
            }
            self.complete(result, bytes);
        }
    };

    Stream next_;
    boost::asio::steady_timer wake_;
    bool held_ = false;
};

// Websocket teardown goes straight to the layer below; the gate has no shutdown of its own.
template <class Stream>
void teardown(boost::beast::role_type role, gated_stream<Stream>& stream,
              boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, stream.next_layer(), ec);
}

template <class Stream, class TeardownHandler>
void async_teardown(boost::beast::role_type role, gated_stream<Stream>& stream,
                    TeardownHandler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace scribe::fakes
