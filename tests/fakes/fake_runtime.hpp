// The io thread every fake runs on: its lifetime, timers and bounded calls from other threads.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

#include "tests/fakes/http_server.hpp"

namespace scribe::testing {
struct test_certificates;
}  // namespace scribe::testing

namespace scribe::fakes {

// Owns the io_context and the thread that runs it. A fake's impl holds one (declared before
// anything bound to the io_context, so it outlives it) and keeps its own state io-thread-only.
class fake_runtime {
  public:
    // `name` prefixes the log lines and errors ("fake_slack"); `io_timeout` bounds call() and,
    // doubled, stop().
    fake_runtime(std::string name, std::chrono::milliseconds io_timeout,
                 std::function<void(std::string_view)> log);
    fake_runtime(const fake_runtime&) = delete;
    fake_runtime& operator=(const fake_runtime&) = delete;

    boost::asio::io_context& io() { return io_; }
    bool running() const { return running_; }    // owning thread only
    bool stopping() const { return stopping_; }  // io thread: no new timers, no new work

    // Serves HTTPS on 127.0.0.1:`port` with the test certificates and io_timeout (over what
    // `server_options` sets already; `handlers.log` defaults to the runtime's log), then runs
    // the io_context on a new thread: a throw out of a handler is logged and the thread keeps
    // serving. Returns the bound port; throws when it cannot bind or was started before.
    unsigned short start(const testing::test_certificates& certificates, unsigned short port,
                         https_server_handlers handlers, https_server_options server_options = {});
    // Posts the shutdown onto the io thread (sets stopping(), stops the server, cancels the
    // timers, runs `shut_down`, drops the work guard), waits for the thread bounded by
    // 2 * io_timeout, stops the loop if it hangs, joins. Does nothing unless running.
    void stop(const std::function<void()>& shut_down = {});
    // For destructors: runs `stop`, logging what it throws instead of passing it on.
    void stop_quietly(const std::function<void()>& stop) const noexcept;

    // https_server::refuse_connections, on the io thread.
    void refuse_connections(bool refuse) {
        call([this, refuse] { server_->refuse_connections(refuse); });
    }

    // Runs `action` on the io thread after `delay`, unless cancelled or stopping by then.
    std::shared_ptr<boost::asio::steady_timer> schedule(std::chrono::milliseconds delay,
                                                        std::function<void()> action);

    // Runs `f` on the io thread and waits for it, bounded by io_timeout; runs it inline when
    // not running or already on the io thread.
    template <class F>
    auto call(F f) -> std::invoke_result_t<F&> {
        using result = std::invoke_result_t<F&>;
        if (!running_ || io_.get_executor().running_in_this_thread()) return f();
        auto task = std::make_shared<std::packaged_task<result()>>(std::move(f));
        auto done = task->get_future();
        boost::asio::post(io_, [task] { (*task)(); });
        if (done.wait_for(io_timeout_) != std::future_status::ready) {
            throw std::runtime_error(name_ + ": its io thread did not answer in time");
        }
        return done.get();
    }

    // Polls `done` every 5 ms until it holds or `timeout` passes; returns its last answer.
    static bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout);

  private:
    void run_io();
    void log(std::string_view line) const;

    std::string name_;
    std::chrono::milliseconds io_timeout_;
    std::function<void(std::string_view)> log_;
    boost::asio::io_context io_;  // before everything bound to it
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::unique_ptr<https_server> server_;
    std::thread thread_;
    std::promise<void> thread_done_;
    bool running_ = false;   // the io thread runs (touched by the owning thread only)
    bool stopping_ = false;  // io thread: no new timers, no new work
    std::set<std::shared_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace scribe::fakes
