#include "tiny_whisper_model.h"

#include <cstring>
#include <random>
#include <utility>
#include <vector>

namespace sts::asr::testing {
namespace {

class Writer {
 public:
  template <typename T>
  void put(T value) {
    char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    out_.append(raw, sizeof(T));
  }
  void put_bytes(const std::string& bytes) { out_.append(bytes); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

enum class Fill { random, ones, zeros };

// IEEE half precision, round toward zero; enough for weights in [-0.5, 0.5].
std::uint16_t to_half(float value) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000U);
  const int exponent = static_cast<int>((bits >> 23) & 0xffU) - 127 + 15;
  if (exponent <= 0) return sign;  // too small for a normal half: zero
  return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(exponent) << 10) | ((bits >> 13) & 0x3ffU));
}

class TensorWriter {
 public:
  TensorWriter(Writer& out, std::uint32_t seed, bool f16_matrices)
      : out_(out), random_(seed), f16_matrices_(f16_matrices) {}

  // `shape` is in ggml order: ne[0] first. Matrices (and convolution kernels) are
  // the "big tensors" whisper.cpp stores in the model's weight type.
  void tensor(const std::string& name, std::vector<std::int32_t> shape, Fill fill = Fill::random, bool matrix = false) {
    const bool f16 = matrix && f16_matrices_;
    out_.put<std::int32_t>(static_cast<std::int32_t>(shape.size()));
    out_.put<std::int32_t>(static_cast<std::int32_t>(name.size()));
    out_.put<std::int32_t>(f16 ? 1 : 0);  // GGML_TYPE_F16 : GGML_TYPE_F32
    std::int64_t count = 1;
    for (const auto extent : shape) {
      out_.put<std::int32_t>(extent);
      count *= extent;
    }
    out_.put_bytes(name);
    std::uniform_real_distribution<float> weight(-0.5F, 0.5F);
    for (std::int64_t i = 0; i < count; ++i) {
      const float value = fill == Fill::random ? weight(random_) : fill == Fill::ones ? 1.0F : 0.0F;
      if (f16) {
        out_.put<std::uint16_t>(to_half(value));
      } else {
        out_.put<float>(value);
      }
    }
  }
  void matrix(const std::string& name, std::vector<std::int32_t> shape) {
    tensor(name, std::move(shape), Fill::random, true);
  }
  // A layer norm: weight 1, bias 0, as a trained model roughly has.
  void layer_norm(const std::string& prefix, std::int32_t width) {
    tensor(prefix + ".weight", {width}, Fill::ones);
    tensor(prefix + ".bias", {width}, Fill::zeros);
  }
  void attention(const std::string& prefix, std::int32_t width) {
    matrix(prefix + ".query.weight", {width, width});
    tensor(prefix + ".query.bias", {width});
    matrix(prefix + ".key.weight", {width, width});
    matrix(prefix + ".value.weight", {width, width});
    tensor(prefix + ".value.bias", {width});
    matrix(prefix + ".out.weight", {width, width});
    tensor(prefix + ".out.bias", {width});
  }
  void block(const std::string& prefix, std::int32_t width) {
    layer_norm(prefix + ".mlp_ln", width);
    matrix(prefix + ".mlp.0.weight", {width, 4 * width});
    tensor(prefix + ".mlp.0.bias", {4 * width});
    matrix(prefix + ".mlp.2.weight", {4 * width, width});
    tensor(prefix + ".mlp.2.bias", {width});
    layer_norm(prefix + ".attn_ln", width);
    attention(prefix + ".attn", width);
  }

 private:
  Writer& out_;
  std::mt19937 random_;
  bool f16_matrices_;
};

}  // namespace

std::string TinyWhisperModel::bytes(bool with_tensors) const {
  Writer out;
  out.put<std::uint32_t>(0x67676d6c);  // "ggml"
  for (const std::int32_t value :
       {n_vocab, n_audio_ctx, n_state, n_head, n_layer, n_text_ctx, n_state, n_head, n_layer, n_mels, ftype}) {
    out.put<std::int32_t>(value);
  }

  // Mel filters, n_mels x 201 FFT bins: each filter a flat band, enough for a
  // spectrogram that is not all silence.
  constexpr std::int32_t kFftBins = 201;
  out.put<std::int32_t>(n_mels);
  out.put<std::int32_t>(kFftBins);
  for (std::int32_t mel = 0; mel < n_mels; ++mel) {
    for (std::int32_t bin = 0; bin < kFftBins; ++bin) {
      out.put<float>(bin * n_mels / kFftBins == mel ? 1.0F : 0.0F);
    }
  }

  // Text tokens 0..94 are the printable ASCII characters, so the prompt tokenises
  // and the output is readable; whisper.cpp names every other id itself.
  constexpr std::int32_t kPrintable = 95;
  out.put<std::int32_t>(kPrintable);
  for (std::int32_t i = 0; i < kPrintable; ++i) {
    out.put<std::uint32_t>(1);
    out.put<char>(static_cast<char>(' ' + i));
  }
  if (!with_tensors) return out.take();

  TensorWriter tensors(out, seed, ftype % 1000 != 0);
  tensors.tensor("encoder.positional_embedding", {n_state, n_audio_ctx});
  tensors.matrix("encoder.conv1.weight", {3, n_mels, n_state});
  tensors.tensor("encoder.conv1.bias", {1, n_state});
  tensors.matrix("encoder.conv2.weight", {3, n_state, n_state});
  tensors.tensor("encoder.conv2.bias", {1, n_state});
  tensors.layer_norm("encoder.ln_post", n_state);
  for (std::int32_t i = 0; i < n_layer; ++i) tensors.block("encoder.blocks." + std::to_string(i), n_state);

  tensors.tensor("decoder.positional_embedding", {n_state, n_text_ctx});
  tensors.matrix("decoder.token_embedding.weight", {n_state, n_vocab});
  tensors.layer_norm("decoder.ln", n_state);
  for (std::int32_t i = 0; i < n_layer; ++i) {
    const std::string prefix = "decoder.blocks." + std::to_string(i);
    tensors.block(prefix, n_state);
    tensors.layer_norm(prefix + ".cross_attn_ln", n_state);
    tensors.attention(prefix + ".cross_attn", n_state);
  }
  return out.take();
}

}  // namespace sts::asr::testing
