// The web view as the application runs it: on a thread and io_context of its own, so a slow
// page never holds up the chat adapters, over the store the process already has open.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bot/app/cli.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::app {

class web_view {
  public:
    // Binds web.address:port and starts serving; throws std::runtime_error (with the address)
    // when it cannot bind.
    web_view(store::event_store& store, const config& settings, unsigned short port);
    ~web_view();
    web_view(const web_view&) = delete;
    web_view& operator=(const web_view&) = delete;

    unsigned short port() const;

    struct parts;

  private:
    std::unique_ptr<parts> parts_;
};

// Why the web settings cannot be served as they are (an address beyond loopback without any
// way to authenticate, a proxy header without trusted proxies); none when they can.
std::optional<std::string> web_settings_problem(const config& settings);

// `scribe serve`: the web view of the store until SIGINT or SIGTERM. `port` overrides
// web.port (0: any free port); the address it serves on is printed first.
int serve_web(const cli_context& cli, std::optional<unsigned short> port);

}  // namespace scribe::app
