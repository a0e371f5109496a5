#include "observability/metrics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

namespace sts::observability {
namespace {

bool contains_line(const std::string& text, const std::string& line) {
  std::istringstream lines(text);
  for (std::string got; std::getline(lines, got);) {
    if (got == line) return true;
  }
  return false;
}

TEST(Metrics, UnlabelledMetricsAreExposedAtZeroWithHelpAndType) {
  Registry registry;
  registry.counter("jobs_total", "Jobs done.");
  registry.gauge("queue_depth", "Jobs waiting.");
  const std::string text = registry.expose();
  EXPECT_EQ(text,
            "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 0\n"
            "# HELP queue_depth Jobs waiting.\n# TYPE queue_depth gauge\nqueue_depth 0\n");
}

TEST(Metrics, LabelValuesAndHelpAreEscapedAsTheTextFormatRequires) {
  Registry registry;
  auto& errors = registry.counter("errors_total", "Errors\\by \"code\"\nper stage.", {"stage", "code"});
  errors.with({"a\"b", "c\\d\ne"}).inc(2);
  const std::string text = registry.expose();
  EXPECT_TRUE(contains_line(text, "# HELP errors_total Errors\\\\by \"code\"\\nper stage.")) << text;
  EXPECT_TRUE(contains_line(text, "errors_total{stage=\"a\\\"b\",code=\"c\\\\d\\ne\"} 2")) << text;
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  const double bounds[] = {0.1, 1};
  auto& latency = registry.histogram("latency_seconds", "Latency.", {"stage"}, bounds);
  auto& asr = latency.with({"asr"});
  for (const double value : {0.05, 0.1, 0.5, 3.0}) asr.observe(value);
  const std::string text = registry.expose();
  EXPECT_TRUE(contains_line(text, "# TYPE latency_seconds histogram")) << text;
  EXPECT_TRUE(contains_line(text, "latency_seconds_bucket{stage=\"asr\",le=\"0.1\"} 2")) << text;
  EXPECT_TRUE(contains_line(text, "latency_seconds_bucket{stage=\"asr\",le=\"1\"} 3")) << text;
  EXPECT_TRUE(contains_line(text, "latency_seconds_bucket{stage=\"asr\",le=\"+Inf\"} 4")) << text;
  EXPECT_TRUE(contains_line(text, "latency_seconds_sum{stage=\"asr\"} 3.65")) << text;
  EXPECT_TRUE(contains_line(text, "latency_seconds_count{stage=\"asr\"} 4")) << text;
}

TEST(Metrics, ChildrenAreStableAndSharedByLabelValues) {
  Registry registry;
  auto& family = registry.counter("hits_total", "Hits.", {"route"});
  Counter& first = family.with({"/a"});
  family.with({"/b"}).inc();
  EXPECT_EQ(&first, &family.with({"/a"}));
  first.inc(3);
  EXPECT_EQ(family.with({"/a"}).value(), 3);
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  Counter& counter = registry.counter("ops_total", "Ops.").with({});
  Histogram& histogram = registry.histogram("op_seconds", "Op time.").with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.inc();
        histogram.observe(0.01);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40000);
  EXPECT_EQ(histogram.snapshot().count, 40000u);
}

TEST(Metrics, MirroredCountersNeverGoBack) {
  Counter counter;
  counter.advance_to(10);
  counter.advance_to(4);
  EXPECT_EQ(counter.value(), 10);
}

TEST(Metrics, CollectorsRunBeforeEachExposition) {
  Registry registry;
  Gauge& depth = registry.gauge("depth", "Depth.").with({});
  int source = 5;
  registry.add_collector([&] { depth.set(source); });
  EXPECT_TRUE(contains_line(registry.expose(), "depth 5"));
  source = 7;
  EXPECT_TRUE(contains_line(registry.expose(), "depth 7"));
}

TEST(Metrics, MisuseIsAProgrammerErrorThatThrows) {
  Registry registry;
  auto& family = registry.counter("once_total", "Once.", {"a"});
  EXPECT_THROW(registry.gauge("once_total", "Again."), std::invalid_argument);
  EXPECT_THROW(family.with({"x", "y"}), std::invalid_argument);
  const double descending[] = {1, 0.5};
  EXPECT_THROW(registry.histogram("bad_seconds", "Bad.", {}, descending), std::invalid_argument);
}

}  // namespace
}  // namespace sts::observability
