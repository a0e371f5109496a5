// How StsService keeps a stream across connections (docs/protocol.md §2, "A stream
// outlives its connection"): release on a lost connection, and the three ways back.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "observability/log.h"
#include "protocol/connection.h"
#include "protocol/service.h"

namespace sts::protocol {
namespace {

// What a re-init must repeat to take a stream back; anything else is a new stream.
bool same_config(const StreamInit& a, const StreamInit& b) {
  return a.source_language == b.source_language && a.target_language == b.target_language &&
         a.voice_profile == b.voice_profile && a.format == b.format && a.sample_rate_hz == b.sample_rate_hz &&
         a.channels == b.channels && a.domain_hints == b.domain_hints;
}

}  // namespace

void StsService::release(const std::shared_ptr<Connection>& connection, std::shared_ptr<Stream> stream,
                         std::string reason) {
  // On the stream's strand, as every change of owner is: a re-attach that came first wins.
  boost::asio::dispatch(stream->strand(), [this, connection, stream, reason = std::move(reason)] {
    const std::string& stream_id = stream->init().stream_id;
    if (!streams_.owns(stream_id, connection)) return;  // it moved to another connection
    const bool open = stream->state() == Stream::State::active || stream->state() == Stream::State::paused;
    // A worker that leaves after stream:end wants nothing more (§2): cancelled at once.
    if (!open || settings_.resume_grace.count() == 0 || tracker_.draining()) {
      stream->cancel(reason);
      streams_.remove(stream_id, stream.get());
      return;
    }
    const auto entry = streams_.find(stream_id);
    streams_.set_owner(stream_id, stream.get(), nullptr);
    stream->detach(reason, settings_.resume_grace,
                   [this, stream_id, raw = stream.get()] { streams_.remove(stream_id, raw); });
    // The worker may have reconnected before its old connection was found dead (half-open).
    if (auto waiting = entry ? streams_.take_waiting(entry->affinity_key) : nullptr) {
      boost::asio::post(waiting->strand, [this, waiting, stream] {
        const auto socket = waiting->socket.lock();
        if (socket && !waiting->stream) reattach(socket, waiting, stream, "affinity cookie");
      });
    }
  });
}

void StsService::reattach(const SocketPtr& socket, const std::shared_ptr<Connection>& connection,
                          std::shared_ptr<Stream> stream, std::string how, std::function<void(Stream*)> then) {
  connection->stream = stream;
  boost::asio::dispatch(
      stream->strand(), [this, socket, connection, stream, how = std::move(how), then = std::move(then)] {
        const std::string& stream_id = stream->init().stream_id;
        const auto previous = streams_.find(stream_id);
        if (!previous || previous->stream != stream || !stream->open()) {
          boost::asio::post(connection->strand, [connection, stream] {
            if (connection->stream == stream) connection->stream.reset();
          });
          if (then) then(nullptr);
          return;
        }
        streams_.set_owner(stream_id, stream.get(), connection);
        // A half-open connection still holding it forgets it, and gets nothing more for it.
        if (auto old = previous->owner.lock(); old && old != connection) {
          boost::asio::post(old->strand, [old, stream] {
            if (old->stream == stream) old->stream.reset();
          });
        }
        const Stream::Resumed resumed = stream->resumed();
        socket->emit("stream:ready", util::Json::array({ready_json(socket, stream->init(), &resumed)}));
        stream->attach(socket, how);
        if (then) then(stream.get());
      });
}

bool StsService::reattach_for_init(const SocketPtr& socket, const std::shared_ptr<Connection>& connection,
                                   const StreamInit& init) {
  const auto found = streams_.find(init.stream_id);
  if (!found) return false;
  if (!found->stream->open()) {  // complete: a new stream may take its id
    streams_.remove(init.stream_id, found->stream.get());
    return false;
  }
  const StreamInit& existing = found->stream->init();
  if (existing.worker_id != init.worker_id) {
    send_error(socket,
               {ErrorCode::stream_not_found,
                "stream '" + init.stream_id + "' belongs to another worker_id; choose another stream_id", "worker_id"},
               init.stream_id);
    return true;
  }
  if (!same_config(existing, init)) {
    if (!found->owner.expired()) {
      send_error(socket,
                 {ErrorCode::invalid_config,
                  "stream '" + init.stream_id + "' is open on another connection with another config", "config"},
                 init.stream_id);
      return true;
    }
    // The worker restarted with other settings: a new stream replaces the detached one.
    boost::asio::dispatch(found->stream->strand(),
                          [stream = found->stream] { stream->cancel("replaced by a new init"); });
    streams_.remove(init.stream_id, found->stream.get());
    return false;
  }
  reattach(socket, connection, found->stream, "stream:init");
  return true;
}

util::Json StsService::ready_json(const SocketPtr& socket, const StreamInit& init,
                                  const Stream::Resumed* resumed) const {
  util::Json ready = {{"stream_id", init.stream_id},
                      {"session_id", socket->id()},
                      {"max_inflight", init.max_inflight},
                      {"capabilities", capabilities()}};
  if (resumed) {
    ready.update(
        {{"resumed", true}, {"next_sequence_number", resumed->next_sequence_number}, {"pending", resumed->pending}});
  }
  return ready;
}

}  // namespace sts::protocol
