#include "protocol/service.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "observability/log.h"
#include "protocol/connection.h"

namespace sts::protocol {

using observability::log_info;
using observability::log_warning;
using util::Json;

namespace {

const Json* first_argument(const Json& args) { return args.is_array() && !args.empty() ? &args[0] : nullptr; }

// The token's length may leak; its contents may not.
bool equal_in_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

}  // namespace

StsService::StsService(ProtocolSettings settings, const pipeline::Pipeline& pipeline, pipeline::ComputePool& pool,
                       VoiceCatalog catalog, ServiceMonitor& monitor)
    : settings_(std::move(settings)),
      pipeline_(pipeline),
      pool_(pool),
      catalog_(std::move(catalog)),
      monitor_(monitor) {}

StsService::~StsService() = default;

void StsService::attach(socketio::Namespace& ns) {
  ns.use([this](const socketio::Handshake&, const Json& auth) { return check_auth(auth); });
  ns.on_connection([this](const SocketPtr& socket) { on_connection(socket); });
  ns.on_disconnect([this](const SocketPtr& socket, std::string_view reason) { on_disconnect(socket, reason); });
  ns.on("stream:init", [this](const SocketPtr& socket, Json& args, const socketio::Ack&) { on_init(socket, args); });
  ns.on("fragment:data",
        [this](const SocketPtr& socket, Json& args, const socketio::Ack&) { on_fragment(socket, args); });
  ns.on("fragment:ack",
        [this](const SocketPtr& socket, Json& args, const socketio::Ack&) { on_client_ack(socket, args); });
  for (const char* event : {"stream:pause", "stream:resume", "stream:end"}) {
    ns.on(event, [this, event](const SocketPtr& socket, Json& args, const socketio::Ack&) {
      on_control(socket, args, event);
    });
  }
  ns.on_unknown([this](const SocketPtr& socket, std::string_view event) {
    send_error(socket, {ErrorCode::unknown_event, "unknown event '" + std::string(event.substr(0, 64)) + "'", ""});
  });
}

std::optional<Json> StsService::check_auth(const Json& auth) const {
  if (!settings_.api_key) return std::nullopt;
  const auto token = auth.is_object() ? auth.find("token") : auth.end();
  if (auth.is_object() && token != auth.end() && token->is_string() &&
      equal_in_constant_time(token->get_ref<const std::string&>(), *settings_.api_key)) {
    return std::nullopt;
  }
  log_warning("connection refused: bad or missing API token");
  return Json{{"message", wire_name(ErrorCode::auth_failed)}};
}

void StsService::on_connection(const SocketPtr& socket) {
  auto connection = std::make_shared<Connection>(socket);
  socket->set_context(connection);
  log_info("worker connected", connection->log_fields);
  // The production worker reconnects with nothing that names it but its cookie, and
  // sends nothing for its stream until a stream:ready says it may.
  if (auto stream = streams_.detached_for(connection->affinity_key)) {
    reattach(socket, connection, std::move(stream), "affinity cookie");
  } else {
    streams_.wait_for_stream(connection->affinity_key, connection);
  }
}

void StsService::on_disconnect(const SocketPtr& socket, std::string_view reason) {
  auto connection = socket->context<Connection>();
  if (!connection) return;
  socket->set_context(nullptr);
  Json fields = connection->log_fields;
  fields["reason"] = reason;
  if (auto stream = std::move(connection->stream)) {
    fields["stream_id"] = stream->init().stream_id;
    release(connection, std::move(stream), std::string(reason));
  }
  log_info("worker disconnected", fields);
}

void StsService::on_init(const SocketPtr& socket, Json& args) {
  auto connection = socket->context<Connection>();
  if (!connection) return;
  const Json* payload = first_argument(args);
  if (tracker_.draining()) {
    send_error(socket, {ErrorCode::server_shutting_down, "the server is shutting down; reconnect and init again", ""});
    return;
  }
  auto init = parse_stream_init(payload ? *payload : Json(), settings_.init_defaults);
  if (!init) {
    send_error(socket, init.error(), payload ? string_field(*payload, "stream_id") : std::nullopt);
    return;
  }
  if (!pipeline_.supports(init->source_language, init->target_language)) {
    std::string supported;
    for (const auto& [source, target] : pipeline_.language_pairs()) supported += " " + source + "->" + target;
    send_error(
        socket,
        {ErrorCode::unsupported_language_pair,
         init->source_language + "->" + init->target_language + " is not supported; supported:" + supported, "config"},
        init->stream_id);
    return;
  }
  auto voice = catalog_.resolve(init->voice_profile, init->target_language);
  if (!voice) {
    send_error(socket, {ErrorCode::invalid_voice_profile, voice.error(), "config.voice_profile"}, init->stream_id);
    return;
  }
  if (connection->stream && connection->stream->open()) {
    if (connection->stream->init().stream_id != init->stream_id) {
      send_error(
          socket,
          {ErrorCode::invalid_config,
           "stream '" + connection->stream->init().stream_id + "' is still open on this connection; end it first",
           "stream_id"},
          init->stream_id);
      return;
    }
    log_info("stream:init repeated; stream:ready sent again", connection->log_fields);
  } else {
    if (auto finished = std::move(connection->stream)) streams_.remove(finished->init().stream_id, finished.get());
    if (reattach_for_init(socket, connection, *init)) return;
    connection->stream =
        open_stream(socket, connection->log_fields, std::move(*init), (*voice)->name, (*voice)->settings);
    streams_.add(connection->stream->init().stream_id, {connection->stream, connection->affinity_key, connection});
  }
  socket->emit("stream:ready", Json::array({ready_json(socket, connection->stream->init(), nullptr)}));
}

std::shared_ptr<Stream> StsService::open_stream(const SocketPtr& socket, Json fields, StreamInit init,
                                                const std::string& voice_name, const Json& voice) {
  fields.update({{"stream_id", init.stream_id}, {"worker_id", init.worker_id}});
  auto stream = std::make_shared<Stream>(StreamServices{settings_, pipeline_, pool_, tracker_, monitor_}, socket,
                                         std::move(init), voice_name, voice, fields);
  const StreamInit& accepted = stream->init();
  fields.update({{"source_language", accepted.source_language},
                 {"target_language", accepted.target_language},
                 {"voice_profile", voice_name},
                 {"format", audio::format_name(accepted.format)},
                 {"sample_rate_hz", accepted.sample_rate_hz},
                 {"channels", accepted.channels},
                 {"max_inflight", accepted.max_inflight},
                 {"timeout_ms", accepted.timeout_ms}});
  log_info("stream ready", fields);
  return stream;
}

void StsService::on_fragment(const SocketPtr& socket, Json& args) {
  auto connection = socket->context<Connection>();
  if (!connection || !args.is_array() || args.empty()) {
    if (connection) send_error(socket, {ErrorCode::invalid_fragment, "fragment:data needs a payload object", ""});
    return;
  }
  Json& payload = args[0];
  const auto fragment_id = string_field(payload, "fragment_id");
  const auto stream_id = string_field(payload, "stream_id");
  const auto& stream = connection->stream;
  const auto sequence = payload.is_object() ? payload.find("sequence_number") : payload.end();
  const std::optional<std::int64_t> sequence_number =
      payload.is_object() && sequence != payload.end() && sequence->is_number_integer()
          ? std::optional(sequence->get<std::int64_t>())
          : std::nullopt;
  // A stream detached from a lost connection, or still on a half-open one: it moves here.
  const auto elsewhere = !stream && stream_id ? streams_.find(*stream_id) : std::nullopt;
  if (payload.is_object() && !elsewhere && (!stream || (stream_id && *stream_id != stream->init().stream_id))) {
    send_error(
        socket,
        {ErrorCode::stream_not_found,
         stream ? "stream '" + *stream_id + "' is not open on this connection" : "no stream:init on this connection",
         ""},
        stream_id, fragment_id, sequence_number);
    return;
  }
  auto fragment = parse_fragment(payload);
  if (!fragment) {
    send_error(socket, fragment.error(), stream ? std::optional(stream->init().stream_id) : stream_id, fragment_id,
               sequence_number);
    return;
  }
  auto data = std::make_shared<FragmentData>(std::move(*fragment));
  if (elsewhere) {
    reattach(socket, connection, elsewhere->stream, "fragment:data", [this, socket, data](Stream* moved) {
      if (moved) {
        moved->on_fragment(std::move(*data));
        return;
      }
      send_error(socket, {ErrorCode::stream_not_found, "stream '" + data->stream_id + "' is no longer open", ""},
                 data->stream_id, data->fragment_id, data->sequence_number);
    });
    return;
  }
  boost::asio::dispatch(stream->strand(), [stream, data] { stream->on_fragment(std::move(*data)); });
}

void StsService::on_control(const SocketPtr& socket, Json& args, std::string_view event) {
  auto connection = socket->context<Connection>();
  if (!connection) return;
  const Json* payload = first_argument(args);
  if (payload == nullptr || !payload->is_object()) {
    send_error(socket,
               {ErrorCode::invalid_message, std::string(event) + " payload must be an object with stream_id", ""});
    return;
  }
  const auto stream_id = string_field(*payload, "stream_id");
  const auto& stream = connection->stream;
  if (!stream || !stream_id || *stream_id != stream->init().stream_id) {
    send_error(socket,
               {ErrorCode::stream_not_found,
                stream_id ? "stream '" + *stream_id + "' is not open on this connection"
                          : std::string(event) + " needs a stream_id",
                ""},
               stream_id);
    return;
  }
  boost::asio::dispatch(stream->strand(), [stream, event, reason = string_field(*payload, "reason").value_or("")] {
    if (event == "stream:pause")
      stream->pause(reason);
    else if (event == "stream:resume")
      stream->resume();
    else
      stream->end(reason);
  });
}

void StsService::on_client_ack(const SocketPtr& socket, Json& args) {
  const Json* payload = first_argument(args);
  const auto fragment_id = payload ? string_field(*payload, "fragment_id") : std::nullopt;
  if (!fragment_id) {
    send_error(socket, {ErrorCode::invalid_message, "fragment:ack payload must be an object with fragment_id", ""});
    return;
  }
  const std::string status = string_field(*payload, "status").value_or("");
  auto connection = socket->context<Connection>();
  if (connection && connection->stream) {
    boost::asio::dispatch(connection->stream->strand(), [stream = connection->stream, id = *fragment_id, status] {
      stream->on_client_ack(id, status);
    });
  } else {
    observability::log_debug("worker confirmed delivery outside a stream",
                             {{"fragment_id", *fragment_id}, {"status", status}});
  }
}

void StsService::send_error(const SocketPtr& socket, const Rejection& rejection, std::optional<std::string> stream_id,
                            std::optional<std::string> fragment_id, std::optional<std::int64_t> sequence_number) const {
  Json metadata;
  if (!rejection.field.empty()) metadata = {{"field", rejection.field}};
  const std::string_view code = wire_name(rejection.error.code);
  Json fields = {{"code", code}, {"reason", rejection.error.message}};
  if (stream_id) fields["stream_id"] = *stream_id;
  if (fragment_id) {
    // A line about a fragment names all three, null where the worker sent none.
    fields["fragment_id"] = *fragment_id;
    fields["stream_id"] = stream_id ? Json(*stream_id) : Json();
    fields["sequence_number"] = sequence_number ? Json(*sequence_number) : Json();
  }
  log_warning("request rejected", fields);
  monitor_.request_rejected(code);
  socket->emit("error", Json::array({error_json(rejection.error, stream_id, fragment_id, metadata)}));
}

Json StsService::capabilities() const {
  Json pairs = Json::array();
  for (const auto& [source, target] : pipeline_.language_pairs())
    pairs.push_back({{"source", source}, {"target", target}});
  return {{"batch_processing", false},
          {"async_delivery", true},
          {"formats", {"pcm_s16le", "pcm_f32le", "wav", "m4a"}},
          {"language_pairs", std::move(pairs)},
          {"voices", catalog_.names()},
          {"pipeline", pipeline_.name()},
          {"engines", pipeline_.engines()},
          {"max_fragment_bytes", settings_.max_fragment_bytes}};
}

void StsService::begin_drain(std::function<void()> on_drained) {
  log_info("draining: new streams and fragments refused", {{"in_flight", tracker_.count()}});
  tracker_.begin_drain(std::move(on_drained));
  // Nobody can re-attach a detached stream any more: its held results would only keep
  // the drain waiting for its deadline.
  for (auto& stream : streams_.all()) {
    boost::asio::post(stream->strand(), [this, stream] {
      if (!stream->detached()) return;
      stream->cancel("the server is shutting down");
      streams_.remove(stream->init().stream_id, stream.get());
    });
  }
}

void StsService::expire_all() {
  for (auto& stream : streams_.all()) {
    boost::asio::post(stream->strand(), [stream] { stream->expire_pending(); });
  }
}

}  // namespace sts::protocol
