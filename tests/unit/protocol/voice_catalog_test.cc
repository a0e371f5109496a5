#include "protocol/voice_catalog.h"

#include <gtest/gtest.h>

namespace sts::protocol {
namespace {

TEST(VoiceCatalog, BuiltinHasTheProfilesWorkersUse) {
  const auto catalog = VoiceCatalog::builtin();
  for (const char* name : {"spanish_male_1", "spanish_female_1", "spanish_male_sports"}) {
    const auto voice = catalog.resolve(name, "es");
    ASSERT_TRUE(voice) << name;
    EXPECT_EQ((*voice)->language, "es");
  }
  const auto fallback = catalog.resolve("default", "es");
  ASSERT_TRUE(fallback);
  EXPECT_EQ((*fallback)->name, "spanish_male_1");
}

TEST(VoiceCatalog, RefusesUnknownVoicesAndWrongLanguages) {
  const auto catalog = VoiceCatalog::builtin();
  EXPECT_FALSE(catalog.resolve("nobody", "es"));
  EXPECT_FALSE(catalog.resolve("spanish_male_1", "fr"));
  EXPECT_FALSE(catalog.resolve("default", "fr"));
}

TEST(VoiceCatalog, ValidatesItsFile) {
  EXPECT_FALSE(VoiceCatalog::from_json("{"));
  EXPECT_FALSE(VoiceCatalog::from_json(R"({"voices": {}})"));
  EXPECT_FALSE(VoiceCatalog::from_json(R"({"voices": {"a": {"engine": "x"}}})"));
  EXPECT_FALSE(VoiceCatalog::from_json(
      R"({"voices": {"a": {"engine": "x", "language": "es"}}, "default_voice_per_language": {"es": "b"}})"));
  EXPECT_FALSE(VoiceCatalog::from_json(
      R"({"voices": {"a": {"engine": "x", "language": "de"}}, "default_voice_per_language": {"es": "a"}})"));
  EXPECT_TRUE(VoiceCatalog::from_json(R"({"voices": {"a": {"engine": "x", "language": "de"}}})"));
}

}  // namespace
}  // namespace sts::protocol
