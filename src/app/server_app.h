// sts-server's whole life: configuration, wiring, serving and graceful shutdown.
// main() calls it with the built-in pipelines; the contract-test server adds its
// fault-injecting one.
#pragma once

#include "pipeline/pipeline.h"

namespace sts::app {

int run_server(int argc, char** argv, pipeline::PipelineRegistry pipelines);

}  // namespace sts::app
