// Protocol settings, filled from the server's configuration at start-up.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "protocol/messages.h"

namespace sts::protocol {

// In-flight fragments per stream (accepted, not yet delivered) at which each
// backpressure level starts; above reject_above new fragments are refused.
struct BackpressureThresholds {
  int medium_at = 4;
  int high_at = 7;
  int reject_above = 10;
};

struct ProtocolSettings {
  InitDefaults init_defaults;
  BackpressureThresholds backpressure;
  std::chrono::milliseconds stream_close_delay{5000};
  // Decoded audio bytes per fragment (docs/protocol.md: fragments up to 10 MiB).
  std::size_t max_fragment_bytes = 10u << 20;
  // CONNECT must carry {"token": api_key} when set.
  std::optional<std::string> api_key;
  // aiohttp workers silently drop websocket messages above 4 MiB.
  std::size_t outgoing_warning_bytes = 4u << 20;
  // Results of successful fragments kept per stream for idempotent re-sends.
  std::size_t stored_results = 16;
  // How long a stream whose connection is gone waits, working, for a new one
  // (docs/protocol.md §2, resume); 0: it is cancelled at once.
  std::chrono::milliseconds resume_grace{30000};
};

}  // namespace sts::protocol
