// One io_context thread for the web view; the site answers on it, reading the store.
#include "bot/app/web_view.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <ostream>
#include <thread>

#include "adapters/net/http_server.hpp"
#include "bot/web/site.hpp"

namespace scribe::app {
namespace {

namespace asio = boost::asio;

constexpr unsigned short default_serve_port = 8080;

bool loopback_only(const std::string& address) {
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    return !ec && ip.is_loopback();
}

web::site_options site_options_of(const config& settings) {
    web::site_options o;
    o.zone = zone_of(settings);
    o.bar_raiser = settings.bar_raiser;
    o.show_security = settings.web_show_security;
    // A token or proxy configured is always asked for, also behind a proxy on this machine.
    o.access.open = loopback_only(settings.web_address) && settings.web_token.empty() &&
                    settings.web_proxy_header.empty();
    o.access.token = settings.web_token;
    o.access.proxy_header = settings.web_proxy_header;
    o.access.trusted_proxies = settings.web_trusted_proxies;
    return o;
}

}  // namespace

struct web_view::parts {
    parts(std::unique_ptr<store::event_store> reader, const config& settings, unsigned short port)
        : store(std::move(reader)),
          site(*store, site_options_of(settings)),
          server(io.get_executor(), settings.web_address, port,
                 [this](const adapters::net::incoming_request& request) {
                     return site.answer(request);
                 }),
          thread([this] { io.run(); }) {}
    ~parts() {
        asio::post(io, [this] { server.stop(); });
        io.stop();
        thread.join();
    }

    std::unique_ptr<store::event_store> store;
    asio::io_context io{1};
    web::site site;
    adapters::net::http_server server;
    std::thread thread;
};

web_view::web_view(std::unique_ptr<store::event_store> store, const config& settings,
                   unsigned short port) {
    try {
        parts_ = std::make_unique<parts>(std::move(store), settings, port);
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("web view: ") + e.what());
    }
}

web_view::~web_view() = default;

unsigned short web_view::port() const { return parts_->server.port(); }

std::optional<std::string> web_settings_problem(const config& settings) {
    if (!settings.web_proxy_header.empty() && settings.web_trusted_proxies.empty()) {
        return "web.proxy_header is set but web.trusted_proxies is empty: say which addresses "
               "the proxy connects from";
    }
    if (!loopback_only(settings.web_address) && settings.web_token.empty() &&
        settings.web_proxy_header.empty()) {
        return "web.address " + settings.web_address +
               " is reachable beyond this machine: set web.token (or web.token_file), or "
               "web.proxy_header with web.trusted_proxies, so that readers sign in";
    }
    return std::nullopt;
}

int serve_web(const cli_context& cli, std::optional<unsigned short> port) {
    if (const auto problem = web_settings_problem(cli.settings)) {
        cli.err << "scribe: " << *problem << "\n";
        return exit_usage;
    }
    std::unique_ptr<store::event_store> store;
    try {
        store = open_reader(cli);
    } catch (const std::exception& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_failure;
    }
    const auto chosen = port.value_or(cli.settings.web_port != 0
                                          ? static_cast<unsigned short>(cli.settings.web_port)
                                          : default_serve_port);
    std::unique_ptr<web_view> view;
    try {
        view = std::make_unique<web_view>(std::move(store), cli.settings, chosen);
    } catch (const std::exception& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_usage;
    }
    const auto& address = cli.settings.web_address;
    const bool v6 = address.find(':') != std::string::npos;
    cli.out << "scribe: web view of " << store_name(cli) << " on http://"
            << (v6 ? "[" + address + "]" : address) << ":" << view->port() << "/" << std::endl;
    asio::io_context io(1);
    asio::signal_set stop(io, SIGINT, SIGTERM);
    stop.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
    io.run();
    spdlog::info("web view stopped");
    return exit_ok;
}

}  // namespace scribe::app
