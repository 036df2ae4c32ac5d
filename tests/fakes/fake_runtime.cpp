// The fakes' shared io thread: start, bounded stop, timers and polling waits.
#include "tests/fakes/fake_runtime.hpp"

#include "tests/support/test_ca.hpp"

namespace scribe::fakes {

fake_runtime::fake_runtime(std::string name, std::chrono::milliseconds io_timeout,
                           std::function<void(std::string_view)> log)
    : name_(std::move(name)), io_timeout_(io_timeout), log_(std::move(log)) {}

void fake_runtime::log(std::string_view line) const {
    if (log_) log_(line);
}

unsigned short fake_runtime::start(const testing::test_certificates& certificates,
                                   unsigned short port, https_server_handlers handlers,
                                   https_server_options server_options) {
    if (running_ || server_) throw std::logic_error(name_ + ": start() called twice");
    server_options.certificate_pem = certificates.server_cert_pem;
    server_options.private_key_pem = certificates.server_key_pem;
    server_options.port = port;
    server_options.io_timeout = io_timeout_;
    if (!handlers.log) handlers.log = [this](std::string_view line) { log(line); };
    server_ = std::make_unique<https_server>(io_, std::move(server_options), std::move(handlers));
    server_->start();
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { run_io(); });
    running_ = true;
    return server_->port();
}

void fake_runtime::run_io() {
    // A throw out of a handler must not end the fake's thread: log it and keep serving.
    for (;;) {
        try {
            io_.run();
            break;
        } catch (const std::exception& e) {
            log(name_ + ": handler threw: " + e.what());
        }
    }
    thread_done_.set_value();
}

void fake_runtime::stop(const std::function<void()>& shut_down) {
    if (!running_) return;
    boost::asio::post(io_, [this, shut_down] {
        stopping_ = true;
        server_->stop();
        for (const auto& timer : timers_) timer->cancel();
        if (shut_down) shut_down();
        work_.reset();
    });
    // Every connection and timer was cancelled, so run() returns once their handlers ran;
    // if something still hangs, stop the loop rather than the test.
    if (thread_done_.get_future().wait_for(io_timeout_ * 2) != std::future_status::ready) {
        log(name_ + ": the io thread did not wind down in time; stopping it");
        io_.stop();
    }
    thread_.join();
    running_ = false;
}

void fake_runtime::stop_quietly(const std::function<void()>& stop) const noexcept {
    try {
        stop();
    } catch (const std::exception& e) {
        log(name_ + ": stopping failed: " + e.what());
    }
}

std::shared_ptr<boost::asio::steady_timer> fake_runtime::schedule(std::chrono::milliseconds delay,
                                                                  std::function<void()> action) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    if (stopping_) return timer;
    timers_.insert(timer);
    timer->async_wait([this, timer, action = std::move(action)](boost::system::error_code ec) {
        timers_.erase(timer);
        if (!ec && !stopping_) action();
    });
    return timer;
}

bool fake_runtime::wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
}

}  // namespace scribe::fakes
