// A stream to an STS server over Socket.IO (websocket), as production workers connect.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "socketio/client_connection.h"
#include "worker/transport.h"

namespace sts::worker {

class SocketIoTransport final : public Transport {
 public:
  // `token`: the CONNECT auth a server with STS_API_KEY requires.
  SocketIoTransport(boost::asio::io_context& io, socketio::ServerUrl url, std::optional<std::string> token,
                    std::chrono::milliseconds connect_timeout);
  ~SocketIoTransport() override;

  void open(const StreamConfig& config, TransportHandler& handler) override;
  void send_fragment(const OutgoingFragment& fragment, std::int64_t sequence_number) override;
  void confirm_delivery(const std::string& fragment_id) override;
  void end_stream() override;
  void close() override;
  std::string peer() const override { return "the server at " + url_.text; }

 private:
  void on_event(const std::string& name, util::Json& arguments);

  boost::asio::io_context& io_;
  const socketio::ServerUrl url_;
  const std::optional<std::string> token_;
  const std::chrono::milliseconds connect_timeout_;
  std::string stream_id_;
  TransportHandler* handler_ = nullptr;
  std::shared_ptr<socketio::ClientConnection> connection_;
};

}  // namespace sts::worker
