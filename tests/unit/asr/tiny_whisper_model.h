// A whisper.cpp ggml model small enough to write in a test: the real layout (header,
// mel filters, vocabulary, every tensor whisper.cpp's loader asks for, by name and
// shape and type) with tiny widths and seeded random weights. It transcribes nonsense, but
// through the same load, encode and decode code as a real model.
#pragma once

#include <cstdint>
#include <string>

namespace sts::asr::testing {

struct TinyWhisperModel {
  std::int32_t n_vocab = 51865;     // 51864: English-only; 51865: multilingual (99 languages)
  std::int32_t n_audio_ctx = 1500;  // whisper's 30 s window: 3000 mel frames, halved by conv2
  std::int32_t n_state = 8;
  std::int32_t n_head = 1;
  std::int32_t n_layer = 1;
  std::int32_t n_text_ctx = 64;  // bounds the tokens decoded per window (n_text_ctx/2 - 4)
  std::int32_t n_mels = 80;
  std::int32_t ftype = 1;  // weight matrices f16, the rest f32 (as whisper.cpp's own models)
  std::uint32_t seed = 1;

  // The whole file. With `with_tensors` false it stops after the vocabulary.
  std::string bytes(bool with_tensors = true) const;
};

}  // namespace sts::asr::testing
