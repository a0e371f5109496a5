#include "protocol/stream_registry.h"

namespace sts::protocol {

void StreamRegistry::add(const std::string& stream_id, Entry entry) {
  const util::MutexLock lock(mutex_);
  entries_[stream_id] = std::move(entry);
}

std::optional<StreamRegistry::Entry> StreamRegistry::find(const std::string& stream_id) const {
  const util::MutexLock lock(mutex_);
  const auto found = entries_.find(stream_id);
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

std::shared_ptr<Stream> StreamRegistry::detached_for(const std::string& affinity_key) const {
  if (affinity_key.empty()) return nullptr;
  const util::MutexLock lock(mutex_);
  for (const auto& [stream_id, entry] : entries_) {
    if (entry.affinity_key == affinity_key && entry.owner.expired()) return entry.stream;
  }
  return nullptr;
}

void StreamRegistry::wait_for_stream(const std::string& affinity_key, const std::shared_ptr<Connection>& connection) {
  if (affinity_key.empty()) return;
  const util::MutexLock lock(mutex_);
  std::erase_if(waiting_, [](const auto& entry) { return entry.second.expired(); });
  waiting_.emplace(affinity_key, connection);
}

std::shared_ptr<Connection> StreamRegistry::take_waiting(const std::string& affinity_key) {
  const util::MutexLock lock(mutex_);
  auto [first, last] = waiting_.equal_range(affinity_key);
  std::shared_ptr<Connection> taken;
  for (auto it = first; it != last && !taken; ++it) taken = it->second.lock();
  std::erase_if(waiting_, [&](const auto& entry) {
    return entry.first == affinity_key && (entry.second.expired() || entry.second.lock() == taken);
  });
  return taken;
}

bool StreamRegistry::owns(const std::string& stream_id, const std::shared_ptr<Connection>& connection) const {
  const util::MutexLock lock(mutex_);
  const auto found = entries_.find(stream_id);
  return found != entries_.end() && found->second.owner.lock() == connection;
}

bool StreamRegistry::set_owner(const std::string& stream_id, const Stream* stream,
                               const std::shared_ptr<Connection>& owner) {
  const util::MutexLock lock(mutex_);
  const auto found = entries_.find(stream_id);
  if (found == entries_.end() || found->second.stream.get() != stream) return false;
  found->second.owner = owner;
  return true;
}

void StreamRegistry::remove(const std::string& stream_id, const Stream* stream) {
  const util::MutexLock lock(mutex_);
  const auto found = entries_.find(stream_id);
  if (found != entries_.end() && found->second.stream.get() == stream) entries_.erase(found);
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::all() const {
  const util::MutexLock lock(mutex_);
  std::vector<std::shared_ptr<Stream>> streams;
  for (const auto& [stream_id, entry] : entries_) streams.push_back(entry.stream);
  return streams;
}

}  // namespace sts::protocol
