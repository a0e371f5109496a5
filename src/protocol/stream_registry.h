// Every open stream by stream_id, with the connection it is attached to, or none while
// it is detached (docs/protocol.md §2, "A stream outlives its connection"). Any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/mutex.h"

namespace sts::protocol {

class Connection;
class Stream;

class StreamRegistry {
 public:
  struct Entry {
    std::shared_ptr<Stream> stream;
    std::string affinity_key;         // the connection's at stream:init
    std::weak_ptr<Connection> owner;  // expired or empty: detached
  };

  void add(const std::string& stream_id, Entry entry);
  std::optional<Entry> find(const std::string& stream_id) const;
  // A detached stream opened under `affinity_key`: a reconnect's cookie finds it. One still
  // on another open connection is not taken: two tabs of a browser share a cookie.
  std::shared_ptr<Stream> detached_for(const std::string& affinity_key) const;
  // A connection with a cookie that found no stream: a stream of that key detaching
  // later (its half-open connection found dead at last) goes to it.
  void wait_for_stream(const std::string& affinity_key, const std::shared_ptr<Connection>& connection);
  std::shared_ptr<Connection> take_waiting(const std::string& affinity_key);
  // Whether `connection` is the one `stream` is attached to.
  bool owns(const std::string& stream_id, const std::shared_ptr<Connection>& connection) const;
  // `stream` now belongs to `owner` (null: detached); false when it is no longer registered.
  bool set_owner(const std::string& stream_id, const Stream* stream, const std::shared_ptr<Connection>& owner);
  // Forgets `stream`, unless another stream took its stream_id since.
  void remove(const std::string& stream_id, const Stream* stream);
  std::vector<std::shared_ptr<Stream>> all() const;

 private:
  mutable util::Mutex mutex_;
  std::unordered_map<std::string, Entry> entries_ STS_GUARDED_BY(mutex_);
  std::unordered_multimap<std::string, std::weak_ptr<Connection>> waiting_ STS_GUARDED_BY(mutex_);
};

}  // namespace sts::protocol
