// What sessions and connections of one Engine.IO server share: the settings, the
// upper layer's open handler and the sid → session table that polling requests and
// websocket upgrades look sessions up in.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "socketio/engine_types.h"
#include "util/mutex.h"

namespace sts::socketio {

class EngineSession;

class EngineRegistry {
 public:
  EngineRegistry(EngineOptions options, OpenHandler on_open)
      : options_(std::move(options)), on_open_(std::move(on_open)) {}

  const EngineOptions& options() const { return options_; }
  const OpenHandler& on_open() const { return on_open_; }
  TrafficCounters& traffic() { return traffic_; }

  void add(const std::shared_ptr<EngineSession>& session, const std::string& sid) {
    const util::MutexLock lock(mutex_);
    sessions_.emplace(sid, session);
  }
  void remove(const std::string& sid) {
    const util::MutexLock lock(mutex_);
    sessions_.erase(sid);
  }
  std::shared_ptr<EngineSession> find(const std::string& sid) const {
    const util::MutexLock lock(mutex_);
    const auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second;
  }
  std::size_t size() const {
    const util::MutexLock lock(mutex_);
    return sessions_.size();
  }
  // Sessions point back at the registry, so the table must be emptied on shutdown.
  void clear() {
    const util::MutexLock lock(mutex_);
    sessions_.clear();
  }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    const util::MutexLock lock(mutex_);
    for (const auto& [sid, session] : sessions_) fn(session);
  }

 private:
  const EngineOptions options_;
  const OpenHandler on_open_;
  TrafficCounters traffic_;
  mutable util::Mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<EngineSession>> sessions_ STS_GUARDED_BY(mutex_);
};

}  // namespace sts::socketio
