// Checks the structure of a whisper.cpp ggml model file before whisper.cpp reads it.
// whisper.cpp trusts what it reads: a truncated header leaves the mel filter sizes
// uninitialized (a huge allocation), an unknown weight type aborts inside ggml, and a
// file that ends before its weights loads as an "empty model" of garbage. This check
// reads only headers and seeks over the weights, so it costs milliseconds on any model.
#pragma once

#include <string>
#include <tl/expected.hpp>

namespace sts::asr {

// What the model file's header says, for callers that log or report it.
struct WhisperModelInfo {
  int n_vocab = 0;
  int n_audio_layer = 0;
  int n_text_layer = 0;
  int n_state = 0;
  int ftype = 0;
  int n_tensors = 0;
};

// The error says what is wrong and where ("truncated in the vocabulary").
tl::expected<WhisperModelInfo, std::string> check_whisper_model_file(const std::string& path);

}  // namespace sts::asr
