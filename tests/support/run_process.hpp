// Runs the real `scribe` binary with arguments and standard input, capturing what it prints.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace scribe::testing {

struct process_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string shell_quote(const std::string& arg) {
    std::string out = "'";
    for (const char c : arg) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

// `environment` entries ("NAME=value") are set for the child only; `as_user` runs it as that
// user (runuser, when the tests run as root); `program` is the binary (default: the one built).
inline process_result run_scribe(const std::vector<std::string>& args,
                                 const std::string& input = {},
                                 const std::vector<std::string>& environment = {},
                                 const std::string& as_user = {},
                                 const std::string& program = SCRIBE_EXE) {
    temp_dir io;
    {
        std::ofstream in(io / "stdin", std::ios::binary);
        in << input;
    }
    std::string command = as_user.empty() ? "env" : "runuser -u " + shell_quote(as_user) + " -- env";
    for (const auto& e : environment) command += " " + shell_quote(e);
    command += " " + shell_quote(program);
    for (const auto& a : args) command += " " + shell_quote(a);
    command += " < " + shell_quote((io / "stdin").string()) + " > " +
               shell_quote((io / "stdout").string()) + " 2> " + shell_quote((io / "stderr").string());
    const int status = std::system(command.c_str());
    process_result result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = read_text(io / "stdout");
    result.err = read_text(io / "stderr");
    return result;
}

}  // namespace scribe::testing
