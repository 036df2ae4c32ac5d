// The display names of a platform's users: looked up once, remembered (bounded), and never
// worth losing a message over.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>

#include "adapters/bounded_map.hpp"

namespace scribe::adapters {

class display_names {
public:
    // Asks the platform for a user's display name; throws when it cannot say.
    using look_up = std::function<boost::asio::awaitable<std::string>(std::string user_id)>;

    explicit display_names(look_up ask, std::size_t capacity = 10'000)
        : ask_(std::move(ask)), names_(capacity) {}

    // The remembered name, or the platform's; when the platform cannot say, `fallback` stands
    // in for this once (an entry is worth more than a name). A refused credential is not
    // swallowed: it stops the adapter.
    boost::asio::awaitable<std::string> name_of(std::string user_id, std::string fallback);

    // A name learnt another way (a membership event), or nullptr.
    void remember(const std::string& user_id, std::string name) {
        names_.insert_or_assign(user_id, std::move(name));
    }
    const std::string* find(const std::string& user_id) const { return names_.find(user_id); }

private:
    look_up ask_;
    bounded_map<std::string, std::string> names_;
};

}  // namespace scribe::adapters
