// The STS payload parsers as a worker's events reach them: any JSON value as
// stream:init or fragment:data (with the audio it carries inspected, as the decode
// stage does), and the same text as a voice catalogue file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audio/format.h"
#include "protocol/messages.h"
#include "protocol/voice_catalog.h"
#include "util/base64.h"
#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace protocol = sts::protocol;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)protocol::VoiceCatalog::from_json(input);
  auto payload = sts::util::parse_json(input);
  if (!payload) return 0;
  (void)protocol::parse_stream_init(*payload, protocol::InitDefaults{});
  (void)protocol::string_field(*payload, "fragment_id");
  auto fragment = protocol::parse_fragment(*payload);
  if (!fragment) return 0;
  if (auto audio = sts::util::base64_decode(fragment->data_base64)) {
    (void)sts::audio::inspect_payload(fragment->format, *audio, fragment->sample_rate_hz, fragment->channels);
  }
  return 0;
}
