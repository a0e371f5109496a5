// The worker logic against a scripted server in the same io_context: each test's
// server answers fragments as its rule says, and the test runs the context until the
// worker finishes. No sleeps: retries back off by 1 ms here instead of 1 s.
#include "worker/stream_worker.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

namespace sts::worker {
namespace {

namespace asio = boost::asio;

struct Sent {
  std::string fragment_id;
  std::int64_t sequence_number;
};

class ScriptedServer final : public Transport {
 public:
  using Rule = std::function<void(ScriptedServer& server, const OutgoingFragment& fragment)>;

  ScriptedServer(asio::io_context& io, Rule rule) : io_(io), rule_(std::move(rule)) {}

  void open(const StreamConfig& config, TransportHandler& handler) override {
    handler_ = &handler;
    config_ = config;
    if (refuse_init) {
      post(ServerError{"INVALID_VOICE_PROFILE", "no such voice", "error", false, std::nullopt});
    } else {
      post(StreamReady{"session", window});
    }
  }
  void send_fragment(const OutgoingFragment& fragment, std::int64_t sequence_number) override {
    sent.push_back({fragment.fragment_id, sequence_number});
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    sent_while_paused = sent_while_paused || paused;
    rule_(*this, fragment);
  }
  void confirm_delivery(const std::string& fragment_id) override { confirmed.push_back(fragment_id); }
  void end_stream() override {
    ended = true;
    post(StreamComplete{});
  }
  void close() override { closed = true; }
  std::string peer() const override { return "the scripted server"; }

  // What a server sends, delivered in order after the current handler returns.
  void post(ServerEvent event) {
    asio::post(io_, [this, event = std::move(event)]() mutable {
      if (closed) return;
      const auto* error = std::get_if<ServerError>(&event);
      if (std::holds_alternative<FragmentProcessed>(event) || (error != nullptr && error->fragment_id)) --in_flight;
      handler_->on_event(std::move(event));
    });
  }
  void answer(const std::string& fragment_id, pipeline::FragmentStatus status,
              std::optional<FragmentError> error = {}) {
    FragmentProcessed processed;
    processed.fragment_id = fragment_id;
    processed.status = status;
    processed.error = std::move(error);
    processed.stage_timings = {{"asr", 10}};
    if (status != pipeline::FragmentStatus::failed) processed.dubbed_audio = pipeline::EncodedAudio{};
    post(std::move(processed));
  }
  void reject(const std::string& fragment_id, std::string code, bool retryable) {
    post(ServerError{std::move(code), "rejected", "warning", retryable, fragment_id});
  }
  // Runs `step` after every event posted so far has been handled.
  void then(std::function<void()> step) { asio::post(io_, std::move(step)); }
  void drop(std::string reason) {
    then([this, reason] {
      if (!closed) handler_->on_closed(reason);
    });
  }

  int window = 3;
  bool refuse_init = false;
  bool paused = false;
  std::vector<Sent> sent;
  std::vector<std::string> confirmed;
  int in_flight = 0;
  int max_in_flight = 0;
  bool sent_while_paused = false;
  bool ended = false;
  bool closed = false;

 private:
  asio::io_context& io_;
  Rule rule_;
  TransportHandler* handler_ = nullptr;
  StreamConfig config_;
};

struct Finished {
  WorkerResult result;
  std::vector<FragmentOutcome> outcomes;
  RunStats stats;
};

FragmentSource fragments(std::size_t count) {
  return [count](std::size_t index) -> std::optional<OutgoingFragment> {
    if (index >= count) return std::nullopt;
    return OutgoingFragment{"f" + std::to_string(index),
                            static_cast<std::int64_t>(index) * 6000,
                            6000,
                            audio::AudioFormat::m4a,
                            48000,
                            2,
                            std::make_shared<const std::vector<std::uint8_t>>()};
  };
}

WorkerOptions fast_options() {
  WorkerOptions options;
  options.retry_base = std::chrono::milliseconds(1);
  return options;
}

Finished run_worker(ScriptedServer& server, asio::io_context& io, std::size_t count,
                    WorkerOptions options = fast_options()) {
  Finished done;
  StreamWorker worker(
      io, server, options, fragments(count), done.stats,
      [&](FragmentOutcome& outcome) { done.outcomes.push_back(outcome); },
      [&](const WorkerResult& result) { done.result = result; });
  worker.start();
  io.run();
  return done;
}

void succeed(ScriptedServer& server, const OutgoingFragment& fragment) {
  server.answer(fragment.fragment_id, pipeline::FragmentStatus::success);
}

TEST(RetryDelay, FollowsTheProtocolsBackoff) {
  const std::chrono::milliseconds base(1000);
  std::vector<std::int64_t> delays;
  for (int retry = 1; retry <= 5; ++retry) delays.push_back(retry_delay(retry, base).count());
  EXPECT_EQ(delays, (std::vector<std::int64_t>{1000, 2000, 4000, 8000, 16000}));
}

TEST(StreamWorker, DeliversEveryFragmentThenEndsTheStream) {
  asio::io_context io;
  ScriptedServer server(io, succeed);
  const Finished done = run_worker(server, io, 5);
  EXPECT_TRUE(done.result.ok) << done.result.failure;
  ASSERT_EQ(done.outcomes.size(), 5u);
  EXPECT_EQ(done.stats.fragments_by_status.at("success"), 5u);
  EXPECT_EQ(server.confirmed.size(), 5u);
  EXPECT_TRUE(server.ended);
  EXPECT_TRUE(server.closed);
}

TEST(StreamWorker, NeverExceedsTheWindowTheServerGranted) {
  asio::io_context io;
  std::vector<std::string> held;
  ScriptedServer server(io, [&](ScriptedServer& self, const OutgoingFragment& fragment) {
    held.push_back(fragment.fragment_id);
    // Answers only once the window is full (oldest first), and everything at the end.
    if (fragment.fragment_id == "f4") {
      for (const auto& id : held) self.answer(id, pipeline::FragmentStatus::success);
      held.clear();
    } else if (self.in_flight == self.window) {
      self.answer(held.front(), pipeline::FragmentStatus::success);
      held.erase(held.begin());
    }
  });
  server.window = 2;
  const Finished done = run_worker(server, io, 5);
  EXPECT_TRUE(done.result.ok) << done.result.failure;
  EXPECT_EQ(server.max_in_flight, 2);
}

TEST(StreamWorker, RetriesARetryableFailureWithTheSameIdAndANewSequenceNumber) {
  asio::io_context io;
  int attempts_of_f1 = 0;
  ScriptedServer server(io, [&](ScriptedServer& self, const OutgoingFragment& fragment) {
    if (fragment.fragment_id == "f1" && attempts_of_f1++ == 0) {
      self.answer("f1", pipeline::FragmentStatus::failed, FragmentError{"asr", "TIMEOUT", "late", true});
    } else {
      succeed(self, fragment);
    }
  });
  const Finished done = run_worker(server, io, 3);
  EXPECT_TRUE(done.result.ok) << done.result.failure;
  ASSERT_EQ(server.sent.size(), 4u);
  EXPECT_EQ(server.sent.back().fragment_id, "f1");
  for (std::size_t i = 1; i < server.sent.size(); ++i) {
    EXPECT_GT(server.sent[i].sequence_number, server.sent[i - 1].sequence_number);
  }
  EXPECT_EQ(done.stats.retries, 1u);
  EXPECT_EQ(done.stats.errors_by_code.at("TIMEOUT"), 1u);
  EXPECT_EQ(done.stats.fragments_by_status.at("success"), 3u);
}

TEST(StreamWorker, GivesUpAfterFiveRetries) {
  asio::io_context io;
  ScriptedServer server(io, [](ScriptedServer& self, const OutgoingFragment& fragment) {
    self.answer(fragment.fragment_id, pipeline::FragmentStatus::failed,
                FragmentError{"translation", "TRANSLATION_API_UNAVAILABLE", "down", true});
  });
  const Finished done = run_worker(server, io, 1);
  EXPECT_TRUE(done.result.ok);
  EXPECT_EQ(server.sent.size(), 6u);
  ASSERT_EQ(done.outcomes.size(), 1u);
  EXPECT_EQ(done.outcomes[0].status, pipeline::FragmentStatus::failed);
  EXPECT_EQ(done.outcomes[0].error_code, "TRANSLATION_API_UNAVAILABLE");
  EXPECT_EQ(done.outcomes[0].retries, 5);
}

TEST(StreamWorker, DoesNotRetryAFailureThatIsNotRetryable) {
  asio::io_context io;
  ScriptedServer server(io, [](ScriptedServer& self, const OutgoingFragment& fragment) {
    self.answer(fragment.fragment_id, pipeline::FragmentStatus::failed,
                FragmentError{"tts", "DURATION_MISMATCH_EXCEEDED", "too long", false});
  });
  const Finished done = run_worker(server, io, 2);
  EXPECT_EQ(server.sent.size(), 2u);
  EXPECT_EQ(done.stats.fragments_by_status.at("failed"), 2u);
  EXPECT_EQ(done.stats.retries, 0u);
}

TEST(StreamWorker, ResendsAFragmentRejectedForARetryableReason) {
  asio::io_context io;
  bool rejected = false;
  ScriptedServer server(io, [&](ScriptedServer& self, const OutgoingFragment& fragment) {
    if (!rejected) {
      rejected = true;
      self.reject(fragment.fragment_id, "BACKPRESSURE_EXCEEDED", true);
    } else {
      succeed(self, fragment);
    }
  });
  const Finished done = run_worker(server, io, 2);
  EXPECT_TRUE(done.result.ok);
  EXPECT_EQ(server.sent.size(), 3u);
  EXPECT_EQ(done.stats.fragments_by_status.at("success"), 2u);
  EXPECT_EQ(done.stats.errors_by_code.at("BACKPRESSURE_EXCEEDED"), 1u);
}

TEST(StreamWorker, HoldsNewFragmentsWhileTheServerSaysPause) {
  asio::io_context io;
  std::vector<std::string> held;
  ScriptedServer server(io, [&](ScriptedServer& self, const OutgoingFragment& fragment) {
    held.push_back(fragment.fragment_id);
    if (held.size() == 3 && !self.paused && self.sent.size() == 3) {
      // Window full: pause, deliver one (which frees a slot the worker must not use),
      // and lift the pause only after that delivery has been handled.
      self.paused = true;
      self.post(Backpressure{Backpressure::Action::pause, "high", 100});
      self.answer(held.front(), pipeline::FragmentStatus::success);
      held.erase(held.begin());
      self.then([&self, &held] {
        self.paused = false;
        self.post(Backpressure{Backpressure::Action::none, "low", 0});
        for (const auto& id : held) self.answer(id, pipeline::FragmentStatus::success);
        held.clear();
      });
    } else if (self.sent.size() > 3) {
      succeed(self, fragment);
      held.clear();
    }
  });
  const Finished done = run_worker(server, io, 5);
  EXPECT_TRUE(done.result.ok) << done.result.failure;
  EXPECT_FALSE(server.sent_while_paused);
  EXPECT_EQ(done.stats.fragments_by_status.at("success"), 5u);
  EXPECT_EQ(done.stats.backpressure_events, 2u);
}

TEST(StreamWorker, KeepsSendingWhenAskedToSlowDown) {
  asio::io_context io;
  bool told = false;
  ScriptedServer server(io, [&](ScriptedServer& self, const OutgoingFragment& fragment) {
    if (!told) {
      told = true;
      self.post(Backpressure{Backpressure::Action::slow_down, "medium", 2});
    }
    succeed(self, fragment);
  });
  const Finished done = run_worker(server, io, 4);
  EXPECT_TRUE(done.result.ok);
  EXPECT_EQ(done.stats.fragments_by_status.at("success"), 4u);
}

TEST(StreamWorker, SaysWhichServerWasLostAndWhy) {
  asio::io_context io;
  ScriptedServer server(io, [](ScriptedServer& self, const OutgoingFragment& fragment) {
    if (fragment.fragment_id == "f2") {
      self.drop("connection reset");
    } else {
      succeed(self, fragment);
    }
  });
  const Finished done = run_worker(server, io, 5);
  EXPECT_FALSE(done.result.ok);
  EXPECT_TRUE(done.result.streamed);
  EXPECT_EQ(done.result.failure, "lost the scripted server: connection reset");
  EXPECT_EQ(done.result.delivered, 2u);
}

TEST(StreamWorker, EndsTheRunWhenAFragmentGoesUnanswered) {
  asio::io_context io;
  ScriptedServer server(io, [](ScriptedServer&, const OutgoingFragment&) {});
  WorkerOptions options = fast_options();
  options.answer_timeout = std::chrono::milliseconds(20);
  const Finished done = run_worker(server, io, 2, options);
  EXPECT_FALSE(done.result.ok);
  EXPECT_NE(done.result.failure.find("no answer to fragment f0"), std::string::npos) << done.result.failure;
  EXPECT_TRUE(server.closed);
}

TEST(StreamWorker, ReportsARefusedStream) {
  asio::io_context io;
  ScriptedServer server(io, succeed);
  server.refuse_init = true;
  const Finished done = run_worker(server, io, 2);
  EXPECT_FALSE(done.result.ok);
  EXPECT_FALSE(done.result.streamed);
  EXPECT_EQ(done.result.failure, "the scripted server refused the stream: INVALID_VOICE_PROFILE: no such voice");
  EXPECT_TRUE(server.sent.empty());
}

TEST(StreamWorker, GivesUpOnAServerThatNeverAnswersInit) {
  asio::io_context io;
  class Silent final : public Transport {
   public:
    void open(const StreamConfig&, TransportHandler&) override {}
    void send_fragment(const OutgoingFragment&, std::int64_t) override {}
    void confirm_delivery(const std::string&) override {}
    void end_stream() override {}
    void close() override {}
    std::string peer() const override { return "the silent server"; }
  } silent;
  WorkerOptions options = fast_options();
  options.ready_timeout = std::chrono::milliseconds(10);
  Finished done;
  StreamWorker worker(
      io, silent, options, fragments(1), done.stats, [](FragmentOutcome&) {},
      [&](const WorkerResult& finished) { done.result = finished; });
  worker.start();
  io.run();
  EXPECT_EQ(done.result.failure, "no stream:ready from the silent server within 10 ms");
}

}  // namespace
}  // namespace sts::worker
