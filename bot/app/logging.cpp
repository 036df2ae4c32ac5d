// A spdlog formatter for JSON lines, and the thread's log scope it reads.
#include "bot/app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace scribe::app {
namespace {

thread_local const log_scope* innermost = nullptr;

// {"time":"2026-11-22T03:20:01.123Z","level":"info","message":"…","platform":"slack",…}
class json_formatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        nlohmann::json line;
        line["time"] = utc_text(msg.time);
        const auto level = spdlog::level::to_string_view(msg.level);
        line["level"] = std::string(level.data(), level.size());
        line["message"] = std::string(msg.payload.data(), msg.payload.size());
        if (const auto* scope = log_scope::current()) {
            if (!scope->platform().empty()) line["platform"] = scope->platform();
            if (!scope->channel().empty()) line["channel"] = scope->channel();
            if (scope->incident() != 0) line["incident"] = scope->incident();
        }
        // Invalid UTF-8 in a message (user text) is replaced, never a throw from the logger.
        const auto text =
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        dest.append(text.data(), text.data() + text.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<json_formatter>();
    }

  private:
    static std::string utc_text(spdlog::log_clock::time_point t) {
        const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
        const std::time_t seconds = std::chrono::system_clock::to_time_t(ms);
        std::tm parts{};
        gmtime_r(&seconds, &parts);
        char buf[40];
        const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &parts);
        const auto millis = ms.time_since_epoch().count() % 1000;
        std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
        return buf;
    }
};

// In text lines the scope shows as a prefix: "[slack C123 #4] …".
class scope_flag final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg&, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        const auto* scope = log_scope::current();
        if (!scope) return;
        std::string text = "[" + scope->platform() + " " + scope->channel();
        if (scope->incident() != 0) text += " #" + std::to_string(scope->incident());
        text += "] ";
        dest.append(text.data(), text.data() + text.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<scope_flag>();
    }
};

}  // namespace

void configure_logging(const std::string& level, const std::string& format) {
    auto logger = spdlog::get("scribe");
    if (!logger) logger = spdlog::stderr_color_mt("scribe");
    if (format == "json") {
        logger->set_formatter(std::make_unique<json_formatter>());
    } else {
        auto text = std::make_unique<spdlog::pattern_formatter>();
        text->add_flag<scope_flag>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %*%v");
        logger->set_formatter(std::move(text));
    }
    spdlog::set_default_logger(logger);
    set_log_level(level);
}

void set_log_level(const std::string& level) {
    spdlog::set_level(spdlog::level::from_str(level));
}

// Nested scopes restore the outer one when they end.
log_scope::log_scope(std::string_view platform, std::string_view channel, std::int64_t incident)
    : platform_(platform), channel_(channel), incident_(incident), outer_(innermost) {
    innermost = this;
}

log_scope::~log_scope() { innermost = outer_; }

const log_scope* log_scope::current() { return innermost; }

}  // namespace scribe::app
