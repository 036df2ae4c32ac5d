// Tokens compared as digests in constant time; session ids from the system's CSPRNG.
#include "bot/web/access.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace scribe::web {
namespace {

using digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

digest sha256(const std::string& text) {
    digest out{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
    return out;
}

// Compared as digests, so that neither the content nor the length of the secret shows in
// how long a wrong guess takes.
bool same_secret(const std::string& a, const std::string& b) {
    const auto left = sha256(a);
    const auto right = sha256(b);
    return !a.empty() && !b.empty() && CRYPTO_memcmp(left.data(), right.data(), left.size()) == 0;
}

std::string trimmed(std::string text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// "::ffff:10.0.0.2", as a dual-stack listener reports an IPv4 peer, is 10.0.0.2.
std::string plain_address(const std::string& address) {
    constexpr std::string_view mapped = "::ffff:";
    if (address.starts_with(mapped) && address.find('.') != std::string::npos) {
        return address.substr(mapped.size());
    }
    return address;
}

}  // namespace

bool loopback_host(const std::string& host) {
    if (host.empty()) return true;
    std::string name = host;
    if (name.starts_with('[')) {
        name = name.substr(0, name.find(']') + 1);
    } else if (const auto colon = name.rfind(':'); colon != std::string::npos) {
        name = name.substr(0, colon);
    }
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "localhost" || name == "[::1]") return true;
    // 127.0.0.0/8 as four numbers.
    int parts[4] = {-1, -1, -1, -1};
    char tail = 0;
    return std::sscanf(name.c_str(), "%d.%d.%d.%d%c", &parts[0], &parts[1], &parts[2], &parts[3],
                       &tail) == 4 &&
           parts[0] == 127 && parts[1] >= 0 && parts[1] < 256 && parts[2] >= 0 && parts[2] < 256 &&
           parts[3] >= 0 && parts[3] < 256;
}

std::optional<std::string> cookie_value(const std::string& header, const std::string& name) {
    std::size_t at = 0;
    while (at < header.size()) {
        const auto end = std::min(header.find(';', at), header.size());
        const auto pair = trimmed(header.substr(at, end - at));
        const auto eq = pair.find('=');
        if (eq != std::string::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
        at = end + 1;
    }
    return std::nullopt;
}

access_guard::access_guard(access_policy policy) : policy_(std::move(policy)) {
    for (auto& c : policy_.proxy_header) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (auto& address : policy_.trusted_proxies) address = plain_address(address);
}

std::optional<std::string> access_guard::admit(const adapters::net::incoming_request& request,
                                               std::chrono::system_clock::time_point now) {
    if (policy_.open) return "loopback";
    const auto authorization = request.header("authorization");
    constexpr std::string_view bearer = "Bearer ";
    if (!policy_.token.empty() && authorization.size() > bearer.size() &&
        std::equal(bearer.begin(), bearer.end(), authorization.begin(),
                   [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                   }) &&
        same_secret(trimmed(authorization.substr(bearer.size())), policy_.token)) {
        return "token";
    }
    if (const auto id = session_of(request)) {
        const std::lock_guard lock(mutex_);
        const auto it = sessions_.find(*id);
        if (it != sessions_.end()) {
            if (it->second > now) return "session";
            sessions_.erase(it);
        }
    }
    if (!policy_.proxy_header.empty()) {
        const auto user = trimmed(request.header(policy_.proxy_header));
        const auto peer = plain_address(request.peer);
        const bool trusted =
            std::find(policy_.trusted_proxies.begin(), policy_.trusted_proxies.end(), peer) !=
            policy_.trusted_proxies.end();
        if (trusted && !user.empty()) return "proxy user " + user;
    }
    return std::nullopt;
}

bool access_guard::token_matches(const std::string& candidate) const {
    return same_secret(candidate, policy_.token);
}

bool access_guard::login_locked(const std::string& peer,
                                std::chrono::system_clock::time_point now) {
    constexpr int most_failures = 10;
    const std::lock_guard lock(mutex_);
    const auto it = failed_logins_.find(plain_address(peer));
    return it != failed_logins_.end() && it->second.count >= most_failures &&
           now - it->second.since < login_window;
}

void access_guard::login_failed(const std::string& peer,
                                std::chrono::system_clock::time_point now) {
    const std::lock_guard lock(mutex_);
    std::erase_if(failed_logins_,
                  [&](const auto& entry) { return now - entry.second.since >= login_window; });
    auto& f = failed_logins_[plain_address(peer)];
    if (f.count == 0) f.since = now;
    ++f.count;
}

std::string access_guard::open_session(std::chrono::system_clock::time_point now) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        throw std::runtime_error("no random bytes for a session id");
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string id;
    for (const auto b : bytes) {
        id += digits[b >> 4];
        id += digits[b & 15];
    }
    const std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [&](const auto& session) { return session.second <= now; });
    sessions_[id] = now + policy_.session_length;
    return id;
}

void access_guard::close_session(const adapters::net::incoming_request& request) {
    if (const auto id = session_of(request)) {
        const std::lock_guard lock(mutex_);
        sessions_.erase(*id);
    }
}

std::optional<std::string> access_guard::session_of(
    const adapters::net::incoming_request& request) const {
    return cookie_value(request.header("cookie"), session_cookie);
}

}  // namespace scribe::web
