// A real PostgreSQL server for one test program: Debian's binaries, a cluster made in a
// temporary folder, listening on a free loopback port, stopped (and its folder removed) at the
// end. initdb refuses to run as root, so as root the cluster belongs to `nobody`.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace scribe::testing {

class pg_server {
  public:
    // Makes the cluster and starts the server; throws std::runtime_error saying what is
    // missing or what the server logged when it would not start. `durable`: commits reach the
    // disk (fsync on, as in production), for benchmarks; tests leave it off.
    explicit pg_server(bool durable = false);
    ~pg_server();
    pg_server(const pg_server&) = delete;
    pg_server& operator=(const pg_server&) = delete;

    // A new, empty database; its connection string.
    std::string create_database(const std::string& name);
    // The connection string of an existing database ("postgres" is always there).
    std::string conninfo(const std::string& database = "postgres") const;

    // A fast shutdown (open connections are ended), waited for.
    void stop();
    // Starts it again on the same port and data.
    void start();
    bool running() const { return pid_ > 0; }

  private:
    // Starts the server process and waits for it: empty when it is ready, else what went wrong.
    std::string spawn_and_wait();

    std::filesystem::path bin_;
    std::filesystem::path root_;  // the temporary folder: data/, the socket and server.log
    bool durable_ = false;
    int port_ = 0;
    pid_t pid_ = 0;
};

}  // namespace scribe::testing
