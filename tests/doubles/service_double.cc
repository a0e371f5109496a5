#include "service_double.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <stdexcept>

extern char** environ;

namespace sts::doubles {
namespace {

std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

util::Json http(const std::string& url, const std::string* post_body) {
  CURL* curl = curl_easy_init();
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  if (post_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) throw std::runtime_error("control request to " + url + " failed");
  return util::Json::parse(response);
}

}  // namespace

void ServiceDouble::start() {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<std::string> args = command_;
  args.insert(args.end(), {"--port", "0"});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  out_ = fds[0];
  if (spawned != 0) throw std::runtime_error("could not start " + args.at(1));
  port_ = read_port();
}

void ServiceDouble::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (out_ >= 0) close(out_);
  out_ = -1;
}

util::Json ServiceDouble::get(const std::string& path) const { return http(url() + path, nullptr); }

util::Json ServiceDouble::post(const std::string& path, const util::Json& body) const {
  const std::string text = body.dump();
  return http(url() + path, &text);
}

int ServiceDouble::read_port() const {
  static const std::regex port_line("listening on port (\\d+)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string output;
  std::smatch match;
  while (!std::regex_search(output, match, port_line)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd ready{out_, POLLIN, 0};
    char chunk[256];
    ssize_t got = 0;
    if (left.count() <= 0 || poll(&ready, 1, static_cast<int>(left.count())) != 1 ||
        (got = read(out_, chunk, sizeof chunk)) <= 0) {
      throw std::runtime_error(command_.at(1) + " did not report its port; it said: " + output);
    }
    output.append(chunk, static_cast<std::size_t>(got));
  }
  return std::stoi(match[1].str());
}

int closed_port() {
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(probe, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(probe);
    throw std::runtime_error("no free loopback port");
  }
  close(probe);
  return ntohs(address.sin_port);
}

}  // namespace sts::doubles
