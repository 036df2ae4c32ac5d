// The web view as the application runs it: on a thread, io_context and store connection of its
// own, so a page being drawn never holds up the chat adapters or the router's reads.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bot/app/cli.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::app {

class web_view {
  public:
    // Binds web.address:port and starts serving `store` (a reader of its own); throws
    // std::runtime_error (with the address) when it cannot bind.
    web_view(std::unique_ptr<store::event_store> store, const config& settings,
             unsigned short port);
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
