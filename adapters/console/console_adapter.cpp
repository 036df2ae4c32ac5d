// Reading lines as messages and printing replies; no network.
#include "adapters/console/console_adapter.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>
#include <random>
#include <system_error>
#include <utility>

#include "bot/model/text.hpp"

namespace scribe::adapters::console {
namespace {

std::string_view trim_right(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

console_adapter::console_adapter(std::istream& in, std::ostream& out, console_options options,
                                 bot& to_bot)
    : in_(in), out_(out), options_(std::move(options)), bot_(to_bot) {}

boost::asio::awaitable<void> console_adapter::run() {
    mark_up(std::chrono::system_clock::now());
    while (!stopping_) {
        auto message = next(std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now()));
        if (!message) break;
        ++stats_.received;
        bot::reply_sink print = [this](outbound_reply r) {
            deliver(r);
            if (r.settled) r.settled(true);
        };
        const auto result = co_await bot_.message(std::move(*message), std::move(print));
        if (result == delivery_result::handled) {
            ++stats_.acked;
        } else {
            ++not_recorded_;
        }
    }
}

std::string new_session_id() {
    std::random_device entropy;
    const auto high = static_cast<std::uint64_t>(entropy()) << 32 | entropy();
    char id[40];
    std::snprintf(id, sizeof id, "%016llx-%d", static_cast<unsigned long long>(high),
                  static_cast<int>(::getpid()));
    return id;
}

std::optional<std::string> console_adapter::read_line() {
    if (pushed_back_) return std::exchange(pushed_back_, std::nullopt);
    std::string line;
    if (!std::getline(in_, line)) return std::nullopt;
    std::string joined(trim_right(line));
    while (!joined.empty() && joined.back() == '\\') {
        joined.pop_back();
        if (!std::getline(in_, line)) break;
        joined += "\n" + std::string(trim_right(line));
    }
    return joined;
}

std::optional<std::string> console_adapter::read_message() {
    while (auto message = read_line()) {
        if (message->empty()) continue;
        if (*message == options_.prefix + "sitrep") {
            while (auto line = read_line()) {
                if (line->empty()) break;
                if (line->starts_with(options_.prefix)) {
                    pushed_back_ = std::move(line);
                    break;
                }
                *message += "\n" + *line;
            }
        }
        return message;
    }
    return std::nullopt;
}

std::optional<inbound_message> console_adapter::next(model::timestamp now) {
    auto text = read_message();
    if (!text) return std::nullopt;
    inbound_message message;
    std::string id = options_.user;
    for (char& c : id) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    message.author = {"console", id, options_.user};
    message.source = {"console", options_.channel, session_ + "-" + std::to_string(++count_), 0};
    message.text = std::move(*text);
    message.sent_at = now;
    return message;
}

void console_adapter::deliver(const outbound_reply& reply) {
    // Text from chat never drives the terminal.
    if (!reply.text.empty()) out_ << model::without_control_characters(reply.text) << "\n";
    for (const auto& file : reply.files) {
        std::error_code ec;
        std::filesystem::create_directories(options_.output_dir, ec);
        const auto path = options_.output_dir / file.filename;
        std::ofstream stream(path, std::ios::binary | std::ios::trunc);
        stream << file.content;
        stream.close();
        if (!stream) {
            out_ << "could not write " << path.string() << "\n";
        } else {
            out_ << "wrote " << path.string() << "\n";
        }
    }
    out_.flush();
}

}  // namespace scribe::adapters::console
