// The C++ side of tests/doubles: a double as a child process of the test, and plain
// HTTP to its control endpoints (scripted_double.py).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "util/json.h"

namespace sts::doubles {

class ServiceDouble {
 public:
  // `command`: the interpreter, the script and its arguments; "--port 0" is added.
  explicit ServiceDouble(std::vector<std::string> command) : command_(std::move(command)) {}
  ~ServiceDouble() { stop(); }
  ServiceDouble(const ServiceDouble&) = delete;
  ServiceDouble& operator=(const ServiceDouble&) = delete;

  // Starts the double and waits (30 s at most) for its "listening on port N" line.
  void start();
  void stop();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  util::Json get(const std::string& path) const;
  util::Json post(const std::string& path, const util::Json& body) const;
  void reset() const { post("/_reset", util::Json::object()); }
  // The next `times` service requests follow this script.
  void script(const util::Json& script) const { post("/_control", script); }

 private:
  int read_port() const;

  std::vector<std::string> command_;
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

// A loopback port that was just free: bound, then released, nothing listens there.
int closed_port();

}  // namespace sts::doubles
