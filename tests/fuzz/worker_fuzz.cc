// What a worker takes from a server, as sts-dub and sts-load meet it: the input as
// newline-separated websocket messages through the client's Engine.IO / Socket.IO
// handling, every event it hands up through the STS event parser; and the whole
// input as a server URL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "socketio/client_protocol.h"
#include "worker/events.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace socketio = sts::socketio;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)socketio::parse_server_url(input);
  socketio::ClientProtocol protocol(sts::util::Json{{"token", "t"}});
  std::string_view rest = input;
  while (!rest.empty() && !protocol.closed()) {
    const std::size_t end = rest.find('\n');
    const std::string_view message = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    auto step = protocol.on_text(message);
    if (!step.event) continue;
    auto& items = step.event->data->get_ref<sts::util::Json::array_t&>();
    if (!items.front().is_string()) continue;
    const std::string name = items.front().get<std::string>();
    items.erase(items.begin());
    (void)sts::worker::parse_server_event(name, *step.event->data);
  }
  return 0;
}
