// Each call: the request with the token, through the retrying caller.
#include "adapters/matrix/client.hpp"

namespace scribe::adapters::matrix {
namespace {

// Built outside the coroutine: g++ 12 mishandles temporaries of braced lists inside one.
net::http_request to_http(const request& r, const std::string& token,
                          std::optional<std::chrono::milliseconds> timeout) {
    net::http_request out;
    out.method = std::string(to_string(r.method));
    out.target = r.target();
    if (!token.empty()) out.headers.emplace_back("Authorization", "Bearer " + token);
    out.body = r.body;
    out.content_type = r.content_type;
    out.timeout = timeout;
    return out;
}

// "Matrix PUT /_matrix/client/v3/rooms/…/send/… in !room:hs": what failed, for the log.
std::string describe(const request& r, const std::string& room) {
    std::string text = "Matrix " + std::string(to_string(r.method)) + " " + r.path;
    if (!room.empty()) text += " in " + room;
    return text;
}

net::http_client_options http_options(const client_options& options) {
    net::http_client_options http;
    http.allow_plaintext = options.allow_plaintext;
    http.request_timeout = options.request_timeout;
    return http;
}

}  // namespace

client::client(boost::asio::any_io_executor executor,
               std::shared_ptr<boost::asio::ssl::context> tls, net::url homeserver,
               client_options options)
    : api_(std::move(executor), std::move(tls), std::move(homeserver), http_options(options),
           [](const api_answer& answer, std::chrono::system_clock::time_point now) {
               return classify(answer, now);
           },
           options.limits) {}

client::~client() = default;

boost::asio::awaitable<std::string> client::call(request r, call_options options) {
    api_call c{to_http(r, token_, options.timeout), describe(r, options.room), options.retry};
    auto response = co_await api_.call(std::move(c));
    co_return std::move(response.body);
}

}  // namespace scribe::adapters::matrix
