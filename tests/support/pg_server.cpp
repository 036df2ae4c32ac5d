// Starting and stopping a throwaway PostgreSQL cluster for tests.
#include "tests/support/pg_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace scribe::testing {

namespace {

namespace fs = std::filesystem;

// The newest server installed: /usr/lib/postgresql/<version>/bin.
fs::path server_binaries() {
    fs::path best;
    int best_version = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const auto bin = entry.path() / "bin";
        int version = 0;
        try {
            version = std::stoi(entry.path().filename().string());
        } catch (const std::exception&) {
            continue;
        }
        if (fs::exists(bin / "initdb") && version > best_version) {
            best = bin;
            best_version = version;
        }
    }
    if (best.empty()) {
        throw std::runtime_error(
            "no PostgreSQL server found under /usr/lib/postgresql (scripts/install-deps "
            "installs Debian's postgresql)");
    }
    return best;
}

int free_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(s);
    return ntohs(address.sin_port);
}

// Who the cluster runs as: ourselves, or `nobody` when we are root.
struct account {
    uid_t uid = ::getuid();
    gid_t gid = ::getgid();
};

account cluster_account() {
    account a;
    if (a.uid != 0) return a;
    const passwd* nobody = ::getpwnam("nobody");
    if (nobody == nullptr) throw std::runtime_error("running as root and there is no user nobody");
    a.uid = nobody->pw_uid;
    a.gid = nobody->pw_gid;
    return a;
}

std::string tail_of(const fs::path& log) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

// Starts `args` as the cluster's account with output appended to `log`; killed if we die.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
    const account who = cluster_account();
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::close_range(3, ~0U, 0);
        if (::getuid() == 0 &&
            (::setgroups(0, nullptr) != 0 || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0)) {
            ::_exit(126);
        }
        // After setuid, which clears it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out);
    ::close(null);
    return pid;
}

int wait_for(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

// Whether the postmaster's pid file says it accepts connections (its eighth line).
bool says_ready(const fs::path& data) {
    std::ifstream in(data / "postmaster.pid");
    std::string line;
    for (int number = 1; number <= 8; ++number) {
        if (!std::getline(in, line)) return false;
    }
    return line.starts_with("ready");
}

}  // namespace

pg_server::pg_server(bool durable)
    : bin_(server_binaries()), durable_(durable), port_(free_port()) {
    std::string pattern = (fs::temp_directory_path() / "scribe-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
    const account who = cluster_account();
    if (::chown(root_.c_str(), who.uid, who.gid) != 0) {
        throw std::runtime_error("cannot hand " + root_.string() + " to the cluster's account");
    }
    const auto log = root_ / "initdb.log";
    const int status =
        wait_for(spawn({(bin_ / "initdb").string(), "-D", (root_ / "data").string(), "-U", "scribe",
                        "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"},
                       log));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("initdb failed:\n" + tail_of(log));
    }
    start();
}

pg_server::~pg_server() {
    stop();
    std::error_code ec;
    fs::remove_all(root_, ec);
}

std::string pg_server::conninfo(const std::string& database) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=scribe dbname=" + database +
           " connect_timeout=5";
}

std::string pg_server::create_database(const std::string& name) {
    PGconn* conn = PQconnectdb(conninfo().c_str());
    PGresult* r = PQexec(conn, ("CREATE DATABASE \"" + name + "\"").c_str());
    const bool created = PQresultStatus(r) == PGRES_COMMAND_OK;
    const std::string error = PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
    if (!created) throw std::runtime_error("CREATE DATABASE " + name + ": " + error);
    return conninfo(name);
}

void pg_server::start() {
    if (pid_ > 0) return;
    // The port was free when chosen, but another test program may take it before the server
    // binds it; on the first start a new one is chosen then.
    const bool first_start = !fs::exists(root_ / "server.log");
    for (int attempt = 1;; ++attempt) {
        const auto outcome = spawn_and_wait();
        if (outcome.empty()) return;
        if (!first_start || attempt == 5 || outcome.find("could not bind") == std::string::npos) {
            throw std::runtime_error(outcome);
        }
        port_ = free_port();
    }
}

std::string pg_server::spawn_and_wait() {
    const auto log = root_ / "server.log";
    std::vector<std::string> command{(bin_ / "postgres").string(),
                                     "-D",
                                     (root_ / "data").string(),
                                     "-p",
                                     std::to_string(port_),
                                     "-k",
                                     root_.string(),
                                     "-c",
                                     "listen_addresses=127.0.0.1",
                                     "-c",
                                     "max_connections=100"};
    if (!durable_) {
        // fsync off: the tests are about what Scribe does, not about the disk under PostgreSQL.
        command.insert(command.end(), {"-c", "fsync=off"});
    }
    pid_ = spawn(command, log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    // Ready is our server's own word in its pid file: a ping alone could be answered by another
    // test program's server on the same port.
    while (!says_ready(root_ / "data") || PQping(conninfo().c_str()) != PQPING_OK) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = 0;
            return "PostgreSQL did not start:\n" + tail_of(log);
        }
        if (std::chrono::steady_clock::now() > deadline) {
            stop();
            return "PostgreSQL did not answer within 30 s:\n" + tail_of(log);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
}

void pg_server::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);  // fast shutdown
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = 0;
}

}  // namespace scribe::testing
