#include "asr/whisper_model_file.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#include "ggml.h"
#include "whisper.h"

namespace sts::asr {
namespace {

// Far above every released model (large-v3: 1280 wide, 32 layers, 20 heads, 1500
// audio positions, 128 mels) and low enough that no size computed from them
// overflows 64 bits.
constexpr std::int32_t kMaxState = 16384;
constexpr std::int32_t kMaxLayers = 256;
constexpr std::int32_t kMaxContext = 1 << 16;
constexpr std::int32_t kMaxMels = 1024;
constexpr std::uint32_t kMaxTokenBytes = 1 << 12;
constexpr std::int32_t kMaxTensorNameBytes = 1 << 10;
constexpr std::int32_t kMaxTensorDims = 4;  // whisper.cpp reads the dims into int32_t[4]
// whisper.cpp puts its special tokens at fixed ids after the text tokens, then one
// token per language: the English-only vocabulary is the smallest it handles, and
// one with a token for every language in its table the largest.
constexpr std::int32_t kEnglishOnlyVocab = 51864;
constexpr std::int32_t kVocabBeforeLanguages = 51765 + 1;
constexpr std::int32_t kFftBins = 1 + WHISPER_N_FFT / 2;

struct Hparams {
  std::int32_t n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer;
  std::int32_t n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype;
};

// Reads little-endian values and seeks, never past the file's end.
class Reader {
 public:
  Reader(std::ifstream& in, std::uint64_t size) : in_(in), left_(size) {}

  template <typename T>
  bool read(T& value) {
    if (left_ < sizeof(T)) return false;
    in_.read(reinterpret_cast<char*>(&value), sizeof(T));
    left_ -= sizeof(T);
    return static_cast<bool>(in_);
  }
  bool skip(std::uint64_t bytes) {
    if (left_ < bytes) return false;
    in_.seekg(static_cast<std::streamoff>(bytes), std::ios::cur);
    left_ -= bytes;
    return static_cast<bool>(in_);
  }
  std::uint64_t left() const { return left_; }

 private:
  std::ifstream& in_;
  std::uint64_t left_;
};

bool in_range(std::int32_t value, std::int32_t low, std::int32_t high) { return value >= low && value <= high; }

// The weight types whisper.cpp can turn into a ggml type; any other value makes
// ggml_ftype_to_ggml_type abort the process.
bool known_ftype(std::int32_t ftype) {
  if (ftype < 0) return false;
  const auto base = ftype % GGML_QNT_VERSION_FACTOR;
  return base != GGML_FTYPE_MOSTLY_Q4_1_SOME_F16 &&
         (base <= GGML_FTYPE_MOSTLY_Q4_1 || in_range(base, GGML_FTYPE_MOSTLY_Q8_0, GGML_FTYPE_MOSTLY_Q1_0));
}

std::string check_hparams(const Hparams& h) {
  const std::int32_t max_vocab = kVocabBeforeLanguages + whisper_lang_max_id() + 1;
  if (!in_range(h.n_vocab, kEnglishOnlyVocab, max_vocab)) {
    return "n_vocab " + std::to_string(h.n_vocab) + " is not a whisper vocabulary (" +
           std::to_string(kEnglishOnlyVocab) + ".." + std::to_string(max_vocab) + ")";
  }
  if (!in_range(h.n_audio_ctx, 1, kMaxContext) || !in_range(h.n_text_ctx, 8, kMaxContext)) {
    return "context sizes out of range";
  }
  if (!in_range(h.n_audio_state, 1, kMaxState) || h.n_text_state != h.n_audio_state) {
    return "audio and text widths must be equal and in 1.." + std::to_string(kMaxState);
  }
  if (!in_range(h.n_audio_head, 1, h.n_audio_state) || h.n_audio_state % h.n_audio_head != 0 ||
      !in_range(h.n_text_head, 1, h.n_text_state) || h.n_text_state % h.n_text_head != 0) {
    return "head counts must divide the width";
  }
  if (!in_range(h.n_audio_layer, 1, kMaxLayers) || !in_range(h.n_text_layer, 1, kMaxLayers)) {
    return "layer counts out of range";
  }
  if (!in_range(h.n_mels, 1, kMaxMels)) return "n_mels out of range";
  if (!known_ftype(h.ftype)) return "unknown weight type (ftype " + std::to_string(h.ftype) + ")";
  // ggml's CPU convolution (im2col) asserts an f16 kernel, and an all-f32 model keeps
  // its kernels in f32: it would load, then abort the process on the first fragment.
  if (h.ftype % GGML_QNT_VERSION_FACTOR == GGML_FTYPE_ALL_F32) {
    return "all-f32 models (ftype 0) crash this whisper.cpp's encoder; use an f16 or quantised model";
  }
  return {};
}

// How many values the weights of a model with these dimensions hold, tensor by
// tensor as whisper.cpp's loader allocates them: reading a file whose tensors add up
// to this number allocates no more than the file holds.
std::uint64_t expected_values(const Hparams& h) {
  const std::uint64_t s = static_cast<std::uint64_t>(h.n_audio_state);
  const std::uint64_t t = static_cast<std::uint64_t>(h.n_text_state);
  const auto count = [](std::int32_t value) { return static_cast<std::uint64_t>(value); };
  const std::uint64_t block = 12 * s * s + 12 * s;  // self-attention, MLP, two layer norms
  const std::uint64_t encoder =
      s * count(h.n_audio_ctx) + 3 * count(h.n_mels) * s + s + 3 * s * s + s + 2 * s + count(h.n_audio_layer) * block;
  const std::uint64_t decoder_block = 12 * t * t + 12 * t + 4 * t * t + 5 * t;  // plus cross-attention
  const std::uint64_t decoder =
      t * count(h.n_text_ctx) + t * count(h.n_vocab) + 2 * t + count(h.n_text_layer) * decoder_block;
  return encoder + decoder;
}

using Checked = tl::expected<void, std::string>;

tl::expected<Hparams, std::string> read_hparams(Reader& reader) {
  std::uint32_t magic = 0;
  if (!reader.read(magic) || magic != GGML_FILE_MAGIC) {
    return tl::unexpected(std::string("not a whisper ggml model (no ggml magic at the start)"));
  }
  Hparams h{};
  for (std::int32_t* field : {&h.n_vocab, &h.n_audio_ctx, &h.n_audio_state, &h.n_audio_head, &h.n_audio_layer,
                              &h.n_text_ctx, &h.n_text_state, &h.n_text_head, &h.n_text_layer, &h.n_mels, &h.ftype}) {
    if (!reader.read(*field)) return tl::unexpected(std::string("truncated in the header"));
  }
  if (auto problem = check_hparams(h); !problem.empty()) return tl::unexpected("bad header: " + problem);
  return h;
}

Checked skip_mel_filters(Reader& reader, const Hparams& h) {
  std::int32_t n_mel = 0;
  std::int32_t n_fft = 0;
  if (!reader.read(n_mel) || !reader.read(n_fft)) return tl::unexpected(std::string("truncated in the mel filters"));
  if (n_mel != h.n_mels || n_fft != kFftBins) {
    return tl::unexpected("mel filters are " + std::to_string(n_mel) + "x" + std::to_string(n_fft) + ", expected " +
                          std::to_string(h.n_mels) + "x" + std::to_string(kFftBins));
  }
  if (!reader.skip(static_cast<std::uint64_t>(n_mel) * static_cast<std::uint64_t>(n_fft) * sizeof(float))) {
    return tl::unexpected(std::string("truncated in the mel filters"));
  }
  return {};
}

Checked skip_vocabulary(Reader& reader, const Hparams& h) {
  std::int32_t n_tokens = 0;
  if (!reader.read(n_tokens)) return tl::unexpected(std::string("truncated before the vocabulary"));
  if (!in_range(n_tokens, 0, h.n_vocab)) {
    return tl::unexpected("vocabulary of " + std::to_string(n_tokens) + " tokens");
  }
  for (std::int32_t i = 0; i < n_tokens; ++i) {
    std::uint32_t length = 0;
    if (!reader.read(length) || length > kMaxTokenBytes || !reader.skip(length)) {
      return tl::unexpected("truncated or corrupt in the vocabulary (token " + std::to_string(i) + ")");
    }
  }
  return {};
}

// How many values the tensor holds; the reader is left at the next tensor.
tl::expected<std::uint64_t, std::string> skip_tensor(Reader& reader, int index) {
  const auto where = "tensor " + std::to_string(index);
  std::int32_t n_dims = 0;
  std::int32_t name_length = 0;
  std::int32_t type = 0;
  if (!reader.read(n_dims) || !reader.read(name_length) || !reader.read(type)) {
    return tl::unexpected("truncated in " + where);
  }
  if (!in_range(n_dims, 1, kMaxTensorDims) || !in_range(name_length, 1, kMaxTensorNameBytes) ||
      !in_range(type, 0, GGML_TYPE_COUNT - 1)) {
    return tl::unexpected("corrupt header of " + where);
  }
  const auto ggml_type_id = static_cast<ggml_type>(type);
  const auto block = ggml_blck_size(ggml_type_id);
  const auto block_bytes = ggml_type_size(ggml_type_id);
  if (block <= 0 || block_bytes == 0) return tl::unexpected(where + " has an unknown type");
  std::uint64_t elements = 1;
  for (std::int32_t d = 0; d < n_dims; ++d) {
    std::int32_t extent = 0;
    if (!reader.read(extent)) return tl::unexpected("truncated in " + where);
    if (extent < 1) return tl::unexpected("corrupt shape of " + where);
    elements *= static_cast<std::uint64_t>(extent);
    if (elements > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
      return tl::unexpected(where + " is too large");
    }
  }
  if (elements % static_cast<std::uint64_t>(block) != 0) return tl::unexpected("corrupt shape of " + where);
  const std::uint64_t bytes = elements * block_bytes / static_cast<std::uint64_t>(block);
  if (!reader.skip(static_cast<std::uint64_t>(name_length)) || !reader.skip(bytes)) {
    return tl::unexpected("truncated in " + where);
  }
  return elements;
}

}  // namespace

tl::expected<WhisperModelInfo, std::string> check_whisper_model_file(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return tl::unexpected("cannot read its size: " + error.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(std::string("cannot be opened for reading"));
  Reader reader(in, size);

  const auto header = read_hparams(reader);
  if (!header) return tl::unexpected(header.error());
  const Hparams& h = *header;
  if (const auto filters = skip_mel_filters(reader, h); !filters) return tl::unexpected(filters.error());
  if (const auto vocabulary = skip_vocabulary(reader, h); !vocabulary) return tl::unexpected(vocabulary.error());

  WhisperModelInfo info{h.n_vocab, h.n_audio_layer, h.n_text_layer, h.n_audio_state, h.ftype, 0};
  std::uint64_t values = 0;
  while (reader.left() > 0) {
    const auto elements = skip_tensor(reader, info.n_tensors);
    if (!elements) return tl::unexpected(elements.error());
    values += *elements;
    ++info.n_tensors;
  }
  if (info.n_tensors == 0) return tl::unexpected(std::string("ends before its weights"));
  if (values != expected_values(h)) {
    return tl::unexpected("its weights hold " + std::to_string(values) + " values where the header's dimensions need " +
                          std::to_string(expected_values(h)));
  }
  return info;
}

}  // namespace sts::asr
