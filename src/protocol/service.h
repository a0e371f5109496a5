// The STS service on a Socket.IO namespace: auth, the per-connection stream, the
// client events of docs/protocol.md §2 and graceful draining at shutdown.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "pipeline/compute_pool.h"
#include "pipeline/pipeline.h"
#include "protocol/settings.h"
#include "protocol/stream.h"
#include "protocol/stream_registry.h"
#include "protocol/voice_catalog.h"
#include "socketio/namespace.h"

namespace sts::protocol {

class Connection;

class StsService {
 public:
  StsService(ProtocolSettings settings, const pipeline::Pipeline& pipeline, pipeline::ComputePool& pool,
             VoiceCatalog catalog, ServiceMonitor& monitor);
  ~StsService();

  // Registers the guard and handlers; call before the server listens.
  void attach(socketio::Namespace& ns);

  // Shutdown, first step: new streams and fragments are refused; `on_drained` runs
  // once every accepted fragment has been delivered (or cancelled).
  void begin_drain(std::function<void()> on_drained);
  // Shutdown deadline: every fragment still pending is delivered as a TIMEOUT failure.
  void expire_all();
  std::int64_t in_flight() const { return tracker_.count(); }

 private:
  using SocketPtr = std::shared_ptr<socketio::Socket>;
  std::optional<util::Json> check_auth(const util::Json& auth) const;
  void on_connection(const SocketPtr& socket);
  void on_disconnect(const SocketPtr& socket, std::string_view reason);
  void on_init(const SocketPtr& socket, util::Json& args);
  // service_resume.cc: a stream outlives its connection (docs/protocol.md §2).
  void release(const std::shared_ptr<Connection>& connection, std::shared_ptr<Stream> stream, std::string reason);
  // Moves `stream` to this connection: stream:ready (resumed), then what it held; then
  // `then` on the stream's strand, with null when the stream was no longer open.
  void reattach(const SocketPtr& socket, const std::shared_ptr<Connection>& connection, std::shared_ptr<Stream> stream,
                std::string how, std::function<void(Stream*)> then = {});
  // A stream:init for a stream of another connection, or none: true when it re-attached
  // the stream or refused the init.
  bool reattach_for_init(const SocketPtr& socket, const std::shared_ptr<Connection>& connection,
                         const StreamInit& init);
  util::Json ready_json(const SocketPtr& socket, const StreamInit& init, const Stream::Resumed* resumed) const;
  std::shared_ptr<Stream> open_stream(const SocketPtr& socket, util::Json fields, StreamInit init,
                                      const std::string& voice_name, const util::Json& voice);
  void on_fragment(const SocketPtr& socket, util::Json& args);
  void on_control(const SocketPtr& socket, util::Json& args, std::string_view event);
  void on_client_ack(const SocketPtr& socket, util::Json& args);
  void send_error(const SocketPtr& socket, const Rejection& rejection, std::optional<std::string> stream_id = {},
                  std::optional<std::string> fragment_id = {}, std::optional<std::int64_t> sequence_number = {}) const;
  util::Json capabilities() const;

  const ProtocolSettings settings_;
  const pipeline::Pipeline& pipeline_;
  pipeline::ComputePool& pool_;
  const VoiceCatalog catalog_;
  InflightTracker tracker_;
  ServiceMonitor& monitor_;
  StreamRegistry streams_;
};

}  // namespace sts::protocol
