// What one Socket.IO connection holds: at most one stream at a time, and the
// handshake's identification headers for its logs. Strand only (the connection's).
#pragma once

#include <memory>

#include "protocol/stream.h"
#include "socketio/socket.h"
#include "util/json.h"

namespace sts::protocol {

class Connection {
 public:
  explicit Connection(const std::shared_ptr<socketio::Socket>& connected)
      : strand(connected->strand()),
        socket(connected),
        affinity_key(connected->handshake().affinity_key),
        log_fields{{"sid", connected->id()}, {"remote_address", connected->handshake().remote_address}} {
    if (auto id = connected->handshake().header("x-stream-id"); !id.empty()) log_fields["x_stream_id"] = id;
    if (auto id = connected->handshake().header("x-worker-id"); !id.empty()) log_fields["x_worker_id"] = id;
  }

  const socketio::Strand strand;
  const std::weak_ptr<socketio::Socket> socket;
  const std::string affinity_key;
  util::Json log_fields;
  std::shared_ptr<Stream> stream;
};

}  // namespace sts::protocol
