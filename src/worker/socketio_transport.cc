#include "worker/socketio_transport.h"

namespace sts::worker {

SocketIoTransport::SocketIoTransport(boost::asio::io_context& io, socketio::ServerUrl url,
                                     std::optional<std::string> token, std::chrono::milliseconds connect_timeout)
    : io_(io), url_(std::move(url)), token_(std::move(token)), connect_timeout_(connect_timeout) {}

SocketIoTransport::~SocketIoTransport() { close(); }

void SocketIoTransport::open(const StreamConfig& config, TransportHandler& handler) {
  handler_ = &handler;
  stream_id_ = config.stream_id;
  socketio::ClientConnection::Options options;
  if (token_) options.auth = util::Json{{"token", *token_}};
  options.headers = {{"X-Stream-ID", config.stream_id}, {"X-Worker-ID", config.worker_id}};
  options.connect_timeout = connect_timeout_;
  socketio::ClientConnection::Handlers handlers;
  handlers.on_connect = [this, init = stream_init_json(config)] { connection_->emit("stream:init", init); };
  handlers.on_event = [this](const std::string& name, util::Json& arguments) { on_event(name, arguments); };
  handlers.on_close = [this](const std::string& reason) {
    connection_.reset();
    handler_->on_closed(reason);
  };
  connection_ = std::make_shared<socketio::ClientConnection>(io_, url_, std::move(options), std::move(handlers));
  connection_->start();
}

void SocketIoTransport::on_event(const std::string& name, util::Json& arguments) {
  auto event = parse_server_event(name, arguments);
  if (!event) {
    // A server that breaks the protocol cannot be trusted with the rest of the stream.
    connection_->close();
    connection_.reset();
    handler_->on_closed("the server sent a malformed event: " + event.error());
    return;
  }
  if (*event) handler_->on_event(std::move(**event));
}

void SocketIoTransport::send_fragment(const OutgoingFragment& fragment, std::int64_t sequence_number) {
  if (connection_) connection_->emit("fragment:data", fragment_json(fragment, stream_id_, sequence_number));
}

void SocketIoTransport::confirm_delivery(const std::string& fragment_id) {
  if (connection_) connection_->emit("fragment:ack", delivery_ack_json(fragment_id));
}

void SocketIoTransport::end_stream() {
  if (connection_) connection_->emit("stream:end", stream_end_json(stream_id_));
}

void SocketIoTransport::close() {
  if (auto connection = std::move(connection_)) connection->close();
}

}  // namespace sts::worker
