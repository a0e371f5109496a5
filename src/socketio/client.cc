#include "socketio/client.h"

#include "socketio/http_util.h"

namespace sts::socketio {
namespace {

bool is_binary_type(sio::PacketType type) {
  return type == sio::PacketType::binary_event || type == sio::PacketType::binary_ack;
}

}  // namespace

std::vector<eio::Packet> to_engine_packets(sio::Packet packet) {
  std::vector<sio::Attachment> attachments;
  if (packet.data) attachments = sio::extract_attachments(*packet.data);
  if (!attachments.empty()) {
    packet.type = packet.type == sio::PacketType::ack ? sio::PacketType::binary_ack : sio::PacketType::binary_event;
    packet.attachments = attachments.size();
  }
  std::vector<eio::Packet> out;
  out.reserve(1 + attachments.size());
  out.push_back(eio::Packet::text(eio::PacketType::message, sio::encode(packet)));
  for (auto& attachment : attachments) out.push_back(eio::Packet::binary_message(std::move(attachment)));
  return out;
}

Client::Client(std::shared_ptr<const NamespaceTable> namespaces, const std::shared_ptr<EngineSession>& session)
    : namespaces_(std::move(namespaces)), session_(session), connect_timer_(session->strand()) {}

void Client::start_connect_timer(std::chrono::milliseconds timeout) {
  connect_timer_.expires_after(timeout);
  connect_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->sockets_.empty()) return;
    if (auto session = self->session_.lock()) session->close_on_strand("connect timeout", false);
  });
}

void Client::send(sio::Packet packet) {
  if (auto session = session_.lock()) session->send_on_strand(to_engine_packets(std::move(packet)));
}

void Client::protocol_error() {
  if (auto session = session_.lock()) session->close_on_strand("parse error", false);
}

void Client::on_message(std::string_view data, bool binary, std::size_t readable_past_end) {
  if (binary) {
    attachment_bytes_ += data.size();
    const auto session = session_.lock();
    if (!awaiting_attachments_ || !session || attachment_bytes_ > session->options().max_payload) {
      protocol_error();
      return;
    }
    // Byte pointers, not chars: a copy between iterators of two types is a byte loop.
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
    attachments_.emplace_back(bytes, bytes + data.size());
    if (attachments_.size() < awaiting_attachments_->attachments) return;
    sio::Packet packet = std::move(*awaiting_attachments_);
    awaiting_attachments_.reset();
    attachment_bytes_ = 0;
    auto restored = sio::restore_attachments(*packet.data, attachments_);
    attachments_.clear();
    if (!restored) {
      protocol_error();
      return;
    }
    dispatch(std::move(packet));
    return;
  }
  // A text packet while attachments are still due breaks the framing.
  if (awaiting_attachments_) {
    protocol_error();
    return;
  }
  auto packet = sio::decode(data, readable_past_end);
  if (!packet) {
    protocol_error();
    return;
  }
  if (is_binary_type(packet->type)) {
    awaiting_attachments_ = std::move(*packet);
    attachments_.reserve(awaiting_attachments_->attachments);
    return;
  }
  dispatch(std::move(*packet));
}

void Client::dispatch(sio::Packet packet) {
  switch (packet.type) {
    case sio::PacketType::connect: handle_connect(std::move(packet)); return;
    case sio::PacketType::disconnect: handle_disconnect(packet); return;
    case sio::PacketType::event:
    case sio::PacketType::binary_event: handle_event(std::move(packet)); return;
    case sio::PacketType::ack:
    case sio::PacketType::binary_ack: return;  // the server emits nothing that awaits an ack
    case sio::PacketType::connect_error: protocol_error(); return;
  }
}

void Client::handle_connect(sio::Packet packet) {
  const auto session = session_.lock();
  if (!session) return;
  const auto ns = namespaces_->find(packet.nsp);
  if (ns == namespaces_->end()) {
    send({sio::PacketType::connect_error, packet.nsp, std::nullopt, Json{{"message", "Invalid namespace"}}, 0});
    return;
  }
  if (sockets_.contains(packet.nsp)) {
    protocol_error();
    return;
  }
  Json auth = packet.data ? std::move(*packet.data) : Json::object();
  if (auto refusal = ns->second->check(session->handshake(), auth)) {
    send({sio::PacketType::connect_error, packet.nsp, std::nullopt, std::move(*refusal), 0});
    return;
  }
  auto socket = std::make_shared<Socket>(session, packet.nsp, random_id(), std::move(auth));
  sockets_.emplace(packet.nsp, socket);
  connect_timer_.cancel();
  send({sio::PacketType::connect, packet.nsp, std::nullopt, Json{{"sid", socket->id()}}, 0});
  ns->second->connected(socket);
}

void Client::handle_disconnect(const sio::Packet& packet) {
  const auto it = sockets_.find(packet.nsp);
  if (it == sockets_.end()) return;
  auto socket = std::move(it->second);
  sockets_.erase(it);
  socket->mark_disconnected();
  namespaces_->find(packet.nsp)->second->disconnected(socket, "client namespace disconnect");
}

void Client::handle_event(sio::Packet packet) {
  const auto it = sockets_.find(packet.nsp);
  if (it == sockets_.end()) {
    protocol_error();  // an event for a namespace the client never joined
    return;
  }
  auto& items = packet.data->get_ref<Json::array_t&>();
  if (!items.front().is_string()) return;
  const Namespace& ns = *namespaces_->find(packet.nsp)->second;
  const auto& event = items.front().get_ref<const std::string&>();
  const EventHandler* handler = ns.handler(event);
  if (handler == nullptr) {
    ns.unknown(it->second, event);
    return;
  }
  Ack ack;
  if (packet.id) {
    ack = [weak = std::weak_ptr<Socket>(it->second), nsp = packet.nsp, id = *packet.id](Json args) {
      if (auto socket = weak.lock()) {
        if (!args.is_array()) args = Json::array({std::move(args)});
        socket->send_packet({sio::PacketType::ack, nsp, id, std::move(args), 0});
      }
    };
  }
  items.erase(items.begin());
  (*handler)(it->second, *packet.data, ack);
}

void Client::on_close(std::string_view reason) {
  connect_timer_.cancel();
  awaiting_attachments_.reset();
  attachments_.clear();
  auto sockets = std::move(sockets_);
  for (auto& [nsp, socket] : sockets) {
    socket->mark_disconnected();
    namespaces_->find(nsp)->second->disconnected(socket, reason);
  }
}

}  // namespace sts::socketio
