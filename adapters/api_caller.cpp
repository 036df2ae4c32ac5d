// Each call: send, classify, and wait, retry or throw as the verdict says.
#include "adapters/api_caller.hpp"

#include <spdlog/spdlog.h>

#include "adapters/net/error.hpp"
#include "adapters/net/sleep.hpp"

namespace scribe::adapters {

std::string_view to_string(api_verdict::kind kind) {
    switch (kind) {
        case api_verdict::kind::success: return "success";
        case api_verdict::kind::transient: return "transient";
        case api_verdict::kind::rate_limited: return "rate_limited";
        case api_verdict::kind::credential_refused: return "credential_refused";
        case api_verdict::kind::refused: return "refused";
    }
    return "refused";
}

api_caller::api_caller(boost::asio::any_io_executor executor,
                       std::shared_ptr<boost::asio::ssl::context> tls, net::url origin,
                       net::http_client_options http, api_classifier classify, api_limits limits)
    : http_(std::make_unique<net::http_client>(std::move(executor), std::move(tls),
                                               std::move(origin), http)),
      classify_(std::move(classify)),
      limits_(limits),
      random_(std::random_device{}()) {}

api_caller::~api_caller() = default;

boost::asio::awaitable<net::http_response> api_caller::call(api_call c) {
    ++stats_.calls;
    int failures = 0;
    int rate_limited = 0;
    for (;;) {
        net::http_response response;
        std::string problem;
        try {
            response = co_await http_->request(c.request);
        } catch (const net::error& e) {
            if (!c.retry || ++failures >= limits_.attempts) throw;
            problem = e.what();
        }
        std::chrono::milliseconds wait{0};
        if (problem.empty()) {
            api_answer answer;
            answer.status = response.status;
            answer.body = response.body;
            answer.retry_after = response.header("retry-after");
            const auto verdict = classify_(answer, std::chrono::system_clock::now());
            const std::string failure = c.what + " failed: " + verdict.code +
                                        (verdict.message.empty() ? "" : " (" + verdict.message + ")");
            switch (verdict.what) {
                case api_verdict::kind::success: co_return std::move(response);
                case api_verdict::kind::credential_refused:
                    throw credential_refused(failure, verdict.code);
                case api_verdict::kind::refused: throw api_failure(failure, verdict);
                case api_verdict::kind::rate_limited:
                    if (!c.retry || ++rate_limited >= limits_.rate_limit_attempts) {
                        throw api_failure(failure, verdict);
                    }
                    ++stats_.rate_limit_waits;
                    spdlog::info("{}: rate limited; waiting {} ms", c.what, verdict.wait.count());
                    co_await net::sleep_for(verdict.wait);
                    continue;
                case api_verdict::kind::transient:
                    if (!c.retry || ++failures >= limits_.attempts) throw api_failure(failure, verdict);
                    problem = verdict.code;
                    break;
            }
        }
        wait = limits_.backoff.delay(static_cast<unsigned>(failures - 1), random_);
        ++stats_.retries;
        spdlog::warn("{} failed ({}); retrying in {} ms", c.what, problem, wait.count());
        co_await net::sleep_for(wait);
    }
}

}  // namespace scribe::adapters
