#include "socketio/server.h"

#include "socketio/client.h"

namespace sts::socketio {

Server::Server(boost::asio::io_context& io, ServerOptions options)
    : namespaces_(std::make_shared<NamespaceTable>()),
      engine_(io, std::move(options.engine),
              [namespaces = std::shared_ptr<const NamespaceTable>(namespaces_),
               timeout = options.connect_timeout](const std::shared_ptr<EngineSession>& session) {
                auto client = std::make_shared<Client>(namespaces, session);
                client->start_connect_timer(timeout);
                return client;
              }) {
  of("/");
}

Namespace& Server::of(const std::string& name) {
  auto& slot = (*namespaces_)[name];
  if (!slot) slot = std::make_unique<Namespace>();
  return *slot;
}

}  // namespace sts::socketio
