// The "faults" pipeline, built only into the contract-test server: the echo pipeline
// with faults a test asks for per fragment, in metadata.fault:
//   {"stage": "asr", "delay_ms": 300}        the stage takes 300 ms longer
//   {"stage": "tts", "code": "SYNTHESIS_FAILED"}  the stage fails with that code
//   {"stage": "translation", "hang": true}   the stage never finishes (until stopped)
// "stage" defaults to "asr". Production binaries cannot reach it.
#pragma once

#include "pipeline/pipeline.h"

namespace sts::testing {

pipeline::PipelineRegistry pipelines_with_faults();

}  // namespace sts::testing
