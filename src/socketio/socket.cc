#include "socketio/socket.h"

#include "socketio/client.h"
#include "socketio/engine_session.h"

namespace sts::socketio {

Socket::Socket(const std::shared_ptr<EngineSession>& session, std::string nsp, std::string id, Json auth)
    : session_(session),
      nsp_(std::move(nsp)),
      id_(std::move(id)),
      auth_(std::move(auth)),
      handshake_(session->handshake()),
      strand_(session->strand()) {}

void Socket::send_packet(sio::Packet packet) {
  if (!connected()) return;
  if (auto session = session_.lock()) session->send(to_engine_packets(std::move(packet)));
}

void Socket::emit(std::string_view event, Json args) {
  Json data = Json::array();
  auto& items = data.get_ref<Json::array_t&>();
  items.emplace_back(std::string(event));
  if (args.is_array()) {
    auto& given = args.get_ref<Json::array_t&>();
    items.reserve(given.size() + 1);
    for (auto& arg : given) items.push_back(std::move(arg));
  } else {
    items.push_back(std::move(args));
  }
  send_packet(sio::Packet{sio::PacketType::event, nsp_, std::nullopt, std::move(data), 0});
}

std::string Socket::event_frame(std::string_view event, const Json& payload, const util::JsonSplice* splice) const {
  return socketio::event_frame(nsp_, event, payload, splice);
}

std::string event_frame(std::string_view nsp, std::string_view event, const Json& payload,
                        const util::JsonSplice* splice) {
  std::string frame(1, static_cast<char>('0' + static_cast<int>(sio::PacketType::event)));
  if (nsp != "/") {
    frame += nsp;
    frame.push_back(',');
  }
  frame.push_back('[');
  util::write_json(Json(event), frame);
  frame.push_back(',');
  util::write_json(payload, frame, splice);
  frame.push_back(']');
  return frame;
}

void Socket::emit_ref(std::string_view event, const Json& payload, bool jump_queue) {
  if (!connected()) return;
  std::vector<eio::Packet> packets;
  packets.push_back(eio::Packet::text(eio::PacketType::message, event_frame(event, payload)));
  if (auto session = session_.lock()) session->send(std::move(packets), jump_queue);
}

void Socket::send_event_frame(std::shared_ptr<const std::string> frame, bool jump_queue) {
  if (!connected() || !frame) return;
  std::vector<eio::Packet> packets;
  packets.push_back(eio::Packet::shared_text(eio::PacketType::message, std::move(frame)));
  if (auto session = session_.lock()) session->send(std::move(packets), jump_queue);
}

void Socket::disconnect() {
  if (!connected()) return;
  send_packet(sio::Packet{sio::PacketType::disconnect, nsp_, std::nullopt, std::nullopt, 0});
  if (auto session = session_.lock()) session->close("server namespace disconnect");
}

}  // namespace sts::socketio
