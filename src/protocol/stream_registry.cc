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

std::shared_ptr<Stream> StreamRegistry::for_key(const std::string& affinity_key,
                                                const std::shared_ptr<Connection>& connection) const {
  if (affinity_key.empty()) return nullptr;
  const util::MutexLock lock(mutex_);
  std::shared_ptr<Stream> attached_elsewhere;
  for (const auto& [stream_id, entry] : entries_) {
    if (entry.affinity_key != affinity_key) continue;
    const auto owner = entry.owner.lock();
    if (!owner) return entry.stream;
    if (owner != connection && !attached_elsewhere) attached_elsewhere = entry.stream;
  }
  return attached_elsewhere;
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
