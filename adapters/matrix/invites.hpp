// Which room invites the bot accepts: an allow-list of user ids and server names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scribe::adapters::matrix {

enum class invite_decision { join, decline };

// Entries are user ids ("@alice:example.org": that user) or server names ("example.org",
// "example.org:8448": anyone whose user id is on that server). Server names match the
// inviter's server part exactly, the host case-insensitively (DNS names are) and the port as
// written. An empty list declines every invite: a bot that joins any room anyone invites it to
// can be made to read, and answer in, rooms nobody meant it for.
class invite_policy {
  public:
    invite_policy() = default;
    explicit invite_policy(std::vector<std::string> allowed);

    bool allows(std::string_view inviter) const;
    invite_decision decide(std::string_view inviter) const {
        return allows(inviter) ? invite_decision::join : invite_decision::decline;
    }

  private:
    std::vector<std::string> users_;
    std::vector<std::string> servers_;
};

// Two server names ("host" or "host:port") are the same server: host case-insensitively,
// port exactly. IPv6 literals ("[::1]:8448") keep their brackets.
bool same_server(std::string_view a, std::string_view b);

}  // namespace scribe::adapters::matrix
