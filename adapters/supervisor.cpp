// The supervisor's loop: run, classify how the run ended, wait, run again.
#include "adapters/supervisor.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "adapters/net/constants.hpp"

namespace scribe::adapters {

supervision::supervision(backoff_policy policy, std::uint64_t seed)
    : policy_(policy), random_(seed) {}

supervision::decision supervision::on_end(const run_end& end) {
    if (end.what != run_end::kind::failed) return {false, {}};
    if (end.connected) failures_ = 0;
    return {true, policy_.delay(failures_++, random_)};
}

supervisor::supervisor(boost::asio::any_io_executor executor, adapter& a, supervision decisions)
    : adapter_(a), decisions_(std::move(decisions)), wait_(std::move(executor)) {}

void supervisor::stop() {
    stopping_ = true;
    adapter_.stop();
    wait_.cancel();
}

boost::asio::awaitable<void> supervisor::run() {
    const std::string name(adapter_.platform());
    while (!stopping_) {
        run_end end;
        const auto started = std::chrono::system_clock::now();
        try {
            co_await adapter_.run();
            end.what = stopping_ ? run_end::kind::stopped : run_end::kind::failed;
            end.problem = "the connection ended";
        } catch (const credential_refused& e) {
            end.what = run_end::kind::credential_refused;
            end.problem = e.what();
        } catch (const std::exception& e) {
            end.what = stopping_ ? run_end::kind::stopped : run_end::kind::failed;
            end.problem = e.what();
        }
        end.connected = adapter_.status().last_up >= started;
        if (end.what == run_end::kind::credential_refused) {
            adapter_.mark_down(end.problem, std::chrono::system_clock::now(), true);
            adapter_.stop();
            throw credential_refused(end.problem);
        }
        const auto next = decisions_.on_end(end);
        if (!next.run_again) break;
        adapter_.mark_down(end.problem, std::chrono::system_clock::now(), true);
        spdlog::warn("{}: {}; connecting again in {} ms (outage {} in a row)", name, end.problem,
                     next.wait.count(), decisions_.failures());
        wait_.expires_after(next.wait);
        co_await wait_.async_wait(net::nothrow);
    }
}

}  // namespace scribe::adapters
