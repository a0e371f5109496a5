"""sts-load against a real server: a short run of two streams reports what it
measured, as text and as JSON, with the server's usage when given its pid."""

import json
import subprocess

from conftest import Server, binary, data_path


def test_two_streams_report_quantiles_rates_and_server_usage(tmp_path):
    # The echo pipeline: this checks the load tool, not the models.
    server = Server("--pipeline", "echo")
    try:
        report = tmp_path / "load.json"
        done = subprocess.run([binary("STS_LOAD"), "--server", server.url, "--streams", "2", "--duration", "2",
                               "--data", data_path(), "--server-pid", str(server.proc.pid), "--json", str(report)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "fragments/s" in done.stdout
        figures = json.loads(report.read_text())
        assert figures["streams_completed"] == 2
        assert figures["fragments"] == figures["fragments_by_status"]["success"] > 0
        assert figures["errors_by_code"] == {}
        for name in ("worker", "ack", "processing", "asr", "translation", "tts"):
            assert set(figures["latency_ms"][name]) >= {"p50", "p95", "p99", "count"}, name
        assert figures["fragments_per_s"] > 0
        assert figures["server"]["rss_peak_mb"] > 0
    finally:
        server.stop()
