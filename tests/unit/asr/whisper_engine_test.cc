// The whisper engine against files that are not models (each must be a
// StartupError naming the path, never a crash) and against a tiny synthetic model
// that runs the whole whisper.cpp load, encode and decode path.
#include "asr/whisper_engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <numbers>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "errors/error.h"
#include "tiny_whisper_model.h"

#if defined(__SANITIZE_ADDRESS__)
#define STS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STS_TEST_ASAN 1
#endif
#endif
#ifdef STS_TEST_ASAN
#include <sanitizer/lsan_interface.h>
#endif

namespace sts::asr {
namespace {

using testing::TinyWhisperModel;

class WhisperEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sts-whisper-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string write(const std::string& name, const std::string& bytes) const {
    const auto path = (directory_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // The load must fail with a message that names the path and the reason.
  static void expect_load_failure(const std::string& path, const std::string& reason) {
    try {
      WhisperEngine engine(WhisperSettings{path, 1, false, 1});
      FAIL() << "loaded " << path;
    } catch (const sts::StartupError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(path), std::string::npos) << message;
      EXPECT_NE(message.find(reason), std::string::npos) << message;
    }
  }

  std::filesystem::path directory_;
};

// When whisper.cpp refuses a model, it deletes its context without the ggml contexts
// and buffers its loader allocated (raw pointers in whisper_model). The server exits
// on MODEL_LOAD_FAILED, so only a test meets that leak: LeakSanitizer ignores what this
// thread allocates while one of these lives, and nothing else.
class IgnoringLeaks {
 public:
  IgnoringLeaks() {
#ifdef STS_TEST_ASAN
    __lsan_disable();
#endif
  }
  ~IgnoringLeaks() {
#ifdef STS_TEST_ASAN
    __lsan_enable();
#endif
  }
  IgnoringLeaks(const IgnoringLeaks&) = delete;
  IgnoringLeaks& operator=(const IgnoringLeaks&) = delete;
};

// Speech-like input: a 220 Hz tone with a slow envelope, plus a little noise.
audio::PcmBuffer tone(std::int64_t duration_ms) {
  audio::PcmBuffer pcm{kSampleRateHz, 1, {}};
  std::mt19937 random(7);
  std::normal_distribution<float> noise(0.0F, 0.01F);
  const auto frames = duration_ms * kSampleRateHz / 1000;
  for (std::int64_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / kSampleRateHz;
    const double envelope = 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * 2.0 * t));
    pcm.samples.push_back(static_cast<float>(0.3 * envelope * std::sin(2.0 * std::numbers::pi * 220.0 * t)) +
                          noise(random));
  }
  return pcm;
}

void expect_segments_within(const Transcript& transcript, std::int64_t offset_ms, std::int64_t duration_ms) {
  for (const auto& segment : transcript.segments) {
    EXPECT_LE(offset_ms, segment.start_ms);
    EXPECT_LE(segment.start_ms, segment.end_ms);
    EXPECT_LE(segment.end_ms, offset_ms + duration_ms);
    ASSERT_FALSE(segment.text.empty());
    EXPECT_NE(segment.text.front(), ' ') << "untrimmed: '" << segment.text << "'";
    EXPECT_NE(segment.text.back(), ' ') << "untrimmed: '" << segment.text << "'";
    if (segment.confidence) {
      EXPECT_GE(*segment.confidence, 0.0);
      EXPECT_LE(*segment.confidence, 1.0);
    }
  }
}

TEST_F(WhisperEngineTest, MissingModelIsALoadErrorNamingThePath) {
  expect_load_failure((directory_ / "ggml-base.bin").string(), "no such file");
}

TEST_F(WhisperEngineTest, DirectoryIsALoadError) { expect_load_failure(directory_.string(), "directory"); }

TEST_F(WhisperEngineTest, RandomBytesAreALoadError) {
  std::mt19937 random(3);
  std::string bytes(64 * 1024, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random());
  expect_load_failure(write("random.bin", bytes), "no ggml magic");
}

TEST_F(WhisperEngineTest, EmptyFileIsALoadError) { expect_load_failure(write("empty.bin", ""), "no ggml magic"); }

TEST_F(WhisperEngineTest, MagicWithTruncatedHeaderIsALoadError) {
  // whisper.cpp itself would read the missing fields as its defaults, the mel filter
  // sizes as uninitialized memory, and then load an "empty model".
  const std::string model = TinyWhisperModel{}.bytes();
  expect_load_failure(write("truncated-header.bin", model.substr(0, 4 + 3 * 4)), "truncated in the header");
}

TEST_F(WhisperEngineTest, ModelWithoutWeightsIsALoadError) {
  expect_load_failure(write("no-weights.bin", TinyWhisperModel{}.bytes(false)), "ends before its weights");
}

TEST_F(WhisperEngineTest, ModelCutInsideATensorIsALoadError) {
  const std::string model = TinyWhisperModel{}.bytes();
  expect_load_failure(write("cut.bin", model.substr(0, model.size() - 10)), "truncated in tensor");
}

TEST_F(WhisperEngineTest, WidthsAndHeadsThatDoNotFitAreLoadErrors) {
  TinyWhisperModel zero_width;
  zero_width.n_state = 0;
  expect_load_failure(write("zero-width.bin", zero_width.bytes(false)), "widths must be equal");
  TinyWhisperModel three_heads;
  three_heads.n_head = 3;  // 8 is not a multiple of 3
  expect_load_failure(write("heads.bin", three_heads.bytes(false)), "head counts must divide the width");
}

// The mel filters follow the magic and the 11 header fields: their two sizes, then
// the n_mel x n_fft floats.
constexpr std::size_t kMelSizesAt = 4 + 11 * 4;

TEST_F(WhisperEngineTest, MelFiltersOfTheWrongShapeAreALoadError) {
  std::string model = TinyWhisperModel{}.bytes(false);
  const std::int32_t n_fft = 200;
  model.replace(kMelSizesAt + 4, sizeof n_fft, reinterpret_cast<const char*>(&n_fft), sizeof n_fft);
  expect_load_failure(write("mel-shape.bin", model), "mel filters are 80x200, expected 80x201");
}

TEST_F(WhisperEngineTest, ModelCutInTheMelFiltersOrVocabularyIsALoadError) {
  const std::string model = TinyWhisperModel{}.bytes(false);
  expect_load_failure(write("cut-mel-sizes.bin", model.substr(0, kMelSizesAt + 2)), "truncated in the mel filters");
  expect_load_failure(write("cut-mel.bin", model.substr(0, kMelSizesAt + 8 + 100)), "truncated in the mel filters");
  const std::size_t vocabulary_at = kMelSizesAt + 8 + 80 * 201 * sizeof(float);
  expect_load_failure(write("cut-vocabulary.bin", model.substr(0, vocabulary_at + 4 + 100)),
                      "truncated or corrupt in the vocabulary");
}

TEST_F(WhisperEngineTest, UnknownWeightTypeIsALoadErrorNotAnAbort) {
  TinyWhisperModel model;
  model.ftype = 4;  // ggml_ftype_to_ggml_type would abort on it
  expect_load_failure(write("ftype.bin", model.bytes()), "unknown weight type");
}

TEST_F(WhisperEngineTest, AllF32ModelIsALoadErrorNotAnAbortOnFirstFragment) {
  TinyWhisperModel model;
  model.ftype = 0;
  expect_load_failure(write("f32.bin", model.bytes()), "all-f32 models");
}

TEST_F(WhisperEngineTest, WhisperRefusingTheFileIsALoadErrorWithItsReason) {
  // Structurally sound, but with a tensor whisper.cpp does not know.
  std::string model = TinyWhisperModel{}.bytes();
  const std::string name = "encoder.conv1.bias";
  const auto at = model.find(name);
  ASSERT_NE(at, std::string::npos);
  model.replace(at, name.size(), "encoder.conv1.bian");
  const IgnoringLeaks upstream_leak;
  expect_load_failure(write("unknown-tensor.bin", model), "unknown tensor 'encoder.conv1.bian'");
}

TEST_F(WhisperEngineTest, MultilingualModelHearsWhisperLanguages) {
  const auto path = write("ggml-tiny-test.bin", TinyWhisperModel{}.bytes());
  const WhisperEngine engine(WhisperSettings{path, 1, false, 1});
  EXPECT_EQ(engine.name(), "whisper");
  EXPECT_EQ(engine.model(), "ggml-tiny-test.bin");
  const auto& languages = engine.languages();
  EXPECT_EQ(languages.size(), 99U);
  for (const char* language : {"en", "de", "es", "fr", "zh", "ja", "ru"}) {
    EXPECT_NE(std::find(languages.begin(), languages.end(), language), languages.end()) << language;
  }
}

TEST_F(WhisperEngineTest, EnglishOnlyModelHearsEnglishOnly) {
  TinyWhisperModel model;
  model.n_vocab = 51864;
  const WhisperEngine engine(WhisperSettings{write("ggml-tiny-test.en.bin", model.bytes()), 1, false, 1});
  EXPECT_EQ(engine.languages(), std::vector<std::string>{"en"});
  const auto result = engine.recognize(tone(1000), Request{"de", {}, 0});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, sts::ErrorCode::model_error);
}

TEST_F(WhisperEngineTest, RecognizesThroughEncoderAndDecoder) {
  const WhisperEngine engine(WhisperSettings{write("ggml-tiny-test.bin", TinyWhisperModel{}.bytes()), 2, false, 1});
  const auto pcm = tone(2000);
  const auto result = engine.recognize(pcm, Request{"de", {"sports", "news"}, 5000});
  ASSERT_TRUE(result.has_value()) << sts::wire_name(result.error().code) << ": " << result.error().message;
  // Random weights transcribe nonsense, but whisper.cpp does emit segments for it.
  EXPECT_FALSE(result->segments.empty());
  expect_segments_within(*result, 5000, pcm.duration_ms());
}

TEST_F(WhisperEngineTest, OversizedDomainHintStaysOutOfThePrompt) {
  // whisper.cpp's tokenizer is a std::regex plus a quadratic search: a client's
  // megabyte "hint" must not reach it.
  const WhisperEngine engine(WhisperSettings{write("ggml-tiny-test.bin", TinyWhisperModel{}.bytes()), 1, false, 1});
  const auto result = engine.recognize(tone(500), Request{"en", {std::string(1 << 20, 'a'), "news"}, 0});
  ASSERT_TRUE(result.has_value()) << result.error().message;
}

TEST_F(WhisperEngineTest, ConcurrentCallsShareTheModel) {
  const WhisperEngine engine(WhisperSettings{write("ggml-tiny-test.bin", TinyWhisperModel{}.bytes()), 1, false, 2});
  const auto pcm = tone(1000);
  std::vector<std::future<tl::expected<Transcript, sts::Error>>> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back(std::async(std::launch::async, [&engine, &pcm, i] {
      return engine.recognize(pcm, Request{"en", {}, i * 1000});
    }));
  }
  for (int i = 0; i < 4; ++i) {
    const auto result = calls[static_cast<std::size_t>(i)].get();
    ASSERT_TRUE(result.has_value()) << result.error().message;
    expect_segments_within(*result, i * 1000, pcm.duration_ms());
  }
}

TEST_F(WhisperEngineTest, APassedDeadlineIsATimeout) {
  const WhisperEngine engine(WhisperSettings{write("ggml-tiny-test.bin", TinyWhisperModel{}.bytes()), 1, false, 1});
  std::stop_source deadline;
  deadline.request_stop();
  const auto result = engine.recognize(tone(1000), Request{"en", {}, 0, deadline.get_token()});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, sts::ErrorCode::timeout);
}

TEST_F(WhisperEngineTest, RefusesAudioThatIsNotSixteenKilohertzMono) {
  const WhisperEngine engine(WhisperSettings{write("ggml-tiny-test.bin", TinyWhisperModel{}.bytes()), 1, false, 1});
  audio::PcmBuffer stereo{48000, 2, std::vector<float>(9600, 0.0F)};
  const auto result = engine.recognize(stereo, Request{"en", {}, 0});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, sts::ErrorCode::invalid_audio);
}

TEST_F(WhisperEngineTest, EmptyAudioHasAnEmptyTranscript) {
  const WhisperEngine engine(WhisperSettings{write("ggml-tiny-test.bin", TinyWhisperModel{}.bytes()), 1, false, 1});
  const auto result = engine.recognize(audio::PcmBuffer{kSampleRateHz, 1, {}}, Request{"en", {}, 0});
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->segments.empty());
}

}  // namespace
}  // namespace sts::asr
