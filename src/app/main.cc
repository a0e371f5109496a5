// sts-server: the real-time speech-to-speech dubbing service.
#include "app/server_app.h"

int main(int argc, char** argv) { return sts::app::run_server(argc, argv, sts::pipeline::builtin_pipelines()); }
