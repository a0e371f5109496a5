// sts-contract-server: sts-server plus the "faults" pipeline, for tests/contract.
#include "app/server_app.h"
#include "fault_pipeline.h"

int main(int argc, char** argv) { return sts::app::run_server(argc, argv, sts::testing::pipelines_with_faults()); }
