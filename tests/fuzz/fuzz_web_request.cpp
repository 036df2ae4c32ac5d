// libFuzzer target: whatever a browser or a script sends the web view. The input's lines are
// the target, the Cookie header, the Authorization header and the proxy's user header; the
// rest is a form body, posted to /login as well. Every answer must carry the
// Content-Security-Policy, and nothing may crash or hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "bot/store/import.hpp"
#include "bot/store/sqlite_store.hpp"
#include "bot/web/site.hpp"
#include "tests/support/history.hpp"

namespace {

using namespace scribe;

struct served {
    std::string folder = (std::filesystem::temp_directory_path() / "scribe-fuzz-XXXXXX").string();
    std::unique_ptr<store::sqlite_store> store;
    std::unique_ptr<web::site> site;

    served() {
        if (!::mkdtemp(folder.data())) std::abort();
        store = store::sqlite_store::open(folder + "/scribe.db");
        testing::history_options history;
        history.incidents = 24;
        history.to = model::timestamp{std::chrono::milliseconds{1'763'733'600'000}};
        history.from = history.to - std::chrono::days{400};
        store->import_events(testing::generated_history(history));
        web::site_options options;
        options.access.open = false;
        options.access.token = "fuzzing-token-0123456789";
        options.access.proxy_header = "x-forwarded-user";
        options.access.trusted_proxies = {"127.0.0.1"};
        site = std::make_unique<web::site>(*store, options);
    }
    ~served() {
        site.reset();
        store.reset();
        std::error_code ignored;
        std::filesystem::remove_all(folder, ignored);
    }
};

std::string_view next_line(std::string_view& rest) {
    const auto end = rest.find('\n');
    const auto line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    return line;
}

void check(const adapters::net::http_answer& answer) {
    bool policy = false;
    for (const auto& [name, value] : answer.headers) {
        if (name == "Content-Security-Policy") policy = true;
    }
    if (!policy || answer.status < 200 || answer.status > 599) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static served served;
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    adapters::net::incoming_request request;
    request.method = "GET";
    request.target = std::string(next_line(rest));
    request.headers["cookie"] = std::string(next_line(rest));
    request.headers["authorization"] = std::string(next_line(rest));
    request.headers["x-forwarded-user"] = std::string(next_line(rest));
    request.headers["accept"] = "text/html";
    request.peer = "127.0.0.1";
    request.body = std::string(rest);
    const auto now = std::chrono::system_clock::time_point{std::chrono::hours{493'000}};
    check(served.site->answer(request, now));
    request.method = "POST";
    check(served.site->answer(request, now));
    request.target = "/login";
    check(served.site->answer(request, now));
    return 0;
}
