// Cost of recording metrics on the hot paths (every fragment, every stage), and of a
// scrape of the service's registry.
//
//   build/release/bench/metrics_bench
#include <benchmark/benchmark.h>

#include "observability/metrics.h"
#include "pipeline/fragment.h"
#include "protocol/monitor.h"

namespace {

using namespace sts;

void BM_CounterInc(benchmark::State& state) {
  observability::Registry registry;
  auto& counter = registry.counter("c_total", "c").with({});
  for (auto _ : state) counter.inc();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2);

void BM_HistogramObserve(benchmark::State& state) {
  observability::Registry registry;
  auto& histogram = registry.histogram("h_seconds", "h").with({});
  double value = 0.0001;
  for (auto _ : state) {
    histogram.observe(value);
    value = value > 30 ? 0.0001 : value * 1.7;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2);

void BM_LabelledChildLookup(benchmark::State& state) {
  observability::Registry registry;
  auto& errors = registry.counter("e_total", "e", {"stage", "error_code"});
  for (auto _ : state) errors.with({"translation", "TIMEOUT"}).inc();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LabelledChildLookup);

pipeline::FragmentResult typical_result() {
  pipeline::FragmentResult result;
  result.status = pipeline::FragmentStatus::success;
  using pipeline::Stage;
  result.stage_timings = {{Stage::decode, 2}, {Stage::asr, 700},           {Stage::translation, 3},
                          {Stage::tts, 90},   {Stage::duration_match, 40}, {Stage::encode, 5}};
  return result;
}

// What the service records per delivered fragment.
void BM_MonitorFragmentDelivered(benchmark::State& state) {
  observability::Registry registry;
  protocol::ServiceMonitor monitor(registry);
  const auto result = typical_result();
  for (auto _ : state) monitor.fragment_delivered(result, 850);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MonitorFragmentDelivered);

// A /metrics scrape and a /status poll with a full window of recent fragments.
void BM_ScrapeAndStatus(benchmark::State& state) {
  observability::Registry registry;
  protocol::ServiceMonitor monitor(registry);
  const auto result = typical_result();
  for (int i = 0; i < 1000; ++i) monitor.fragment_delivered(result, 850);
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes += registry.expose().size();
    benchmark::DoNotOptimize(monitor.status());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ScrapeAndStatus)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
