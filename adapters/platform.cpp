// The checks the platforms' settings share.
#include "adapters/platform.hpp"

#include <sys/stat.h>

#include <fstream>

namespace scribe::adapters::setting_checks {

std::string read_secret_file(const std::string& path, std::string& secret) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return "cannot read " + path;
    if ((info.st_mode & 077) != 0) return path + " is readable by others; chmod 600 it";
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) return "cannot read " + path;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    secret = line;
    return {};
}

std::string url(const std::string& text) {
    if (text.rfind("https://", 0) != 0 && text.rfind("http://", 0) != 0) {
        return "must be an https:// URL";
    }
    return {};
}

std::string token(const std::string& text, std::string_view prefix) {
    if (text.rfind(prefix, 0) != 0) return "must start with " + std::string(prefix);
    return {};
}

const std::string& text(const setting_value& v) { return std::get<std::string>(v); }

}  // namespace scribe::adapters::setting_checks
