// A stream to the fragment pipeline in this process (sts-dub --local): no server, no
// network, the same pipeline the server runs. It answers as a server would: the
// stream:init checks a worker can hit (language pair, voice), an ack per fragment,
// fragment:processed built and parsed exactly as on the wire, stream:complete.
// Fragments have no deadline here: nothing else waits on this process's pipeline.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "pipeline/compute_pool.h"
#include "pipeline/pipeline.h"
#include "protocol/voice_catalog.h"
#include "worker/transport.h"

namespace sts::worker {

class LocalTransport final : public Transport {
 public:
  // The pool runs the jobs and posts results to `io`: it must be joined before `io`
  // is destroyed, and `pipeline` and `catalog` must outlive it.
  LocalTransport(boost::asio::io_context& io, const pipeline::Pipeline& pipeline, pipeline::ComputePool& pool,
                 const protocol::VoiceCatalog& catalog);
  ~LocalTransport() override;

  void open(const StreamConfig& config, TransportHandler& handler) override;
  void send_fragment(const OutgoingFragment& fragment, std::int64_t sequence_number) override;
  void confirm_delivery(const std::string&) override {}
  void end_stream() override;
  void close() override;
  std::string peer() const override { return "the in-process pipeline"; }

 private:
  struct State;
  void post(ServerEvent event);

  boost::asio::io_context& io_;
  const pipeline::Pipeline& pipeline_;
  pipeline::ComputePool& pool_;
  const protocol::VoiceCatalog& catalog_;
  // Shared with jobs still running, which find it closed after close().
  std::shared_ptr<State> state_;
};

}  // namespace sts::worker
