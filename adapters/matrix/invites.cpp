// Which room invites the bot accepts: an allow-list of user ids and server names.
#include "adapters/matrix/invites.hpp"

#include <algorithm>

#include "adapters/matrix/events.hpp"
#include "adapters/matrix/text.hpp"

namespace scribe::adapters::matrix {

namespace {

struct host_port {
    std::string_view host;
    std::string_view port;  // with its ':', or empty
};

host_port split_server(std::string_view server) {
    // A ':' inside an IPv6 literal's brackets is not the port separator.
    const auto bracket = server.rfind(']');
    const auto colon = server.rfind(':');
    if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
        return {server, {}};
    }
    return {server.substr(0, colon), server.substr(colon)};
}

}  // namespace

bool same_server(std::string_view a, std::string_view b) {
    const auto x = split_server(a);
    const auto y = split_server(b);
    return !x.host.empty() && detail::iequal_ascii(x.host, y.host) && x.port == y.port;
}

invite_policy::invite_policy(std::vector<std::string> allowed) {
    for (auto& entry : allowed) {
        if (entry.empty()) continue;
        (entry.starts_with('@') ? users_ : servers_).push_back(std::move(entry));
    }
}

bool invite_policy::allows(std::string_view inviter) const {
    if (!inviter.starts_with('@') || server_name(inviter).empty()) return false;
    const std::string_view server = server_name(inviter);
    const bool user_listed = std::any_of(users_.begin(), users_.end(), [&](const std::string& u) {
        return localpart(u) == localpart(inviter) && same_server(server_name(u), server);
    });
    return user_listed || std::any_of(servers_.begin(), servers_.end(),
                                      [&](const std::string& s) { return same_server(s, server); });
}

}  // namespace scribe::adapters::matrix
