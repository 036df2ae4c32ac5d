// The real `scribe` binary as a child process: started with arguments and environment,
// signalled, waited for with a bound, its output kept in files.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/run_process.hpp"

namespace scribe::testing {

class child_process {
public:
    // Runs `program` (SCRIBE_EXE unless given) with `args`; `environment` entries
    // ("NAME=value") are added to ours.
    child_process(const std::vector<std::string>& args, const std::vector<std::string>& environment,
                  const std::filesystem::path& output_dir, std::string program = SCRIBE_EXE)
        : out_(output_dir / "stdout"), err_(output_dir / "stderr") {
        // Everything is prepared before fork: the fakes run threads, and between fork and exec
        // only async-signal-safe calls are allowed (no allocation).
        std::vector<char*> argv{program.data()};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        // Ours replace inherited variables of the same name: with both, getenv sees the first.
        auto overridden = [&environment](std::string_view inherited) {
            const auto name = inherited.substr(0, inherited.find('=') + 1);
            return std::any_of(environment.begin(), environment.end(),
                               [&](const std::string& e) { return e.rfind(name, 0) == 0; });
        };
        std::vector<char*> envp;
        for (char** e = environ; *e != nullptr; ++e) {
            if (!overridden(*e)) envp.push_back(*e);
        }
        for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(null, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            // Nothing else of ours goes along: a fake's listening socket held open by the
            // child would keep its port taken, and catch connections meant for the fake.
            ::close_range(3, ~0U, 0);
            ::execve(program.c_str(), argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(out);
        ::close(err);
        ::close(null);
    }
    ~child_process() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            wait(std::chrono::seconds(5));
        }
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    void signal(int sig) const { ::kill(pid_, sig); }
    pid_t pid() const { return pid_; }

    // The exit code once it ended within `limit`, -1 when killed by a signal, nullopt when still
    // running.
    std::optional<int> wait(std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!status_) {
            int status = 0;
            const pid_t done = ::waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                break;
            }
            if (std::chrono::steady_clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return status_;
    }

    bool running() { return !status_ && !wait(std::chrono::milliseconds(0)); }
    std::string out() const { return read_text(out_); }
    std::string err() const { return read_text(err_); }

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path out_;
    std::filesystem::path err_;
};

}  // namespace scribe::testing
