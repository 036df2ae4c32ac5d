// Reading lines as messages and printing replies; no network.
#include "adapters/console/console_adapter.hpp"

#include <fstream>
#include <istream>
#include <ostream>
#include <system_error>

namespace scribe::adapters::console {
namespace {

std::string_view trim_right(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

console_adapter::console_adapter(std::istream& in, std::ostream& out, console_options options)
    : in_(in), out_(out), options_(std::move(options)) {}

std::optional<std::string> console_adapter::read_message() {
    std::string line;
    while (std::getline(in_, line)) {
        std::string message(trim_right(line));
        while (!message.empty() && message.back() == '\\') {
            message.pop_back();
            std::string more;
            if (!std::getline(in_, more)) break;
            message += "\n" + std::string(trim_right(more));
        }
        if (message.empty()) continue;
        if (message == options_.prefix + "sitrep") {
            std::string block_line;
            while (std::getline(in_, block_line) && !trim_right(block_line).empty()) {
                message += "\n" + std::string(trim_right(block_line));
            }
        }
        return message;
    }
    return std::nullopt;
}

std::optional<inbound_message> console_adapter::next(model::timestamp now) {
    auto text = read_message();
    if (!text) return std::nullopt;
    if (session_.empty()) session_ = std::to_string(now.time_since_epoch().count());
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
    if (!reply.text.empty()) out_ << reply.text << "\n";
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
