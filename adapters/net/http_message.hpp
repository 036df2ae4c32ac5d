// An HTTP request as a handler sees it and the answer it gives, without the server's types.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace scribe::adapters::net {

struct incoming_request {
    std::string method;                          // "GET", "HEAD", "POST"
    std::string target;                          // "/incidents?sev=sev1"
    std::map<std::string, std::string> headers;  // names in lower case; repeats joined by ", "
    std::string body;
    std::string peer;  // the address the connection came from, "127.0.0.1"

    // The header's value, or empty.
    std::string header(const std::string& lower_case_name) const {
        const auto it = headers.find(lower_case_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct http_answer {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // besides the content type
};

}  // namespace scribe::adapters::net
