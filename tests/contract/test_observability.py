"""docs/protocol.md §6 and the operator endpoints: /metrics parsed by the real
Prometheus text parser (Debian's python3-prometheus-client) after real streams,
/health and /status, and the JSON log lines of a whole stream."""
import asyncio
import base64
import json
import os
import re
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from worker import Worker, program_fragment, program_manifest

PROTOCOL_METRICS = {
    "sts_fragment_processing_seconds": "histogram",
    "sts_asr_duration_seconds": "histogram",
    "sts_translation_duration_seconds": "histogram",
    "sts_tts_duration_seconds": "histogram",
    "sts_fragments_in_flight": "gauge",
    "sts_fragment_errors": "counter",
    "sts_gpu_utilization_percent": "gauge",
    "sts_gpu_memory_used_bytes": "gauge",
}


async def http_get(server, path):
    """(status, content type, body) of GET path; off the event loop."""
    def get():
        try:
            with urllib.request.urlopen(server.url + path, timeout=10) as response:
                return response.status, response.headers["Content-Type"], response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read().decode()
    return await asyncio.get_running_loop().run_in_executor(None, get)


async def scrape(server):
    status, content_type, text = await http_get(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample(families, name, suffix="", **labels):
    """The value of one sample; fails when there is no such sample."""
    for s in families[name].samples:
        if s.name == name + suffix and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise AssertionError(f"no sample {name}{suffix} {labels}: {families[name].samples}")


async def run_stream(worker, fragments, fmt="pcm_s16le", ext="s16"):
    for index in range(fragments):
        duration = program_manifest()["fragments"][index]["duration_ms"]
        await worker.send(index, fmt=fmt, audio=program_fragment(index, ext), duration_ms=duration)
    processed = await worker.processed(fragments)
    await worker.emit("stream:end", {"stream_id": worker.stream_id})
    await worker.next("stream:complete")
    return processed


async def test_metrics_name_every_protocol_metric_with_values_that_match_a_dubbed_stream(start_server):
    server = start_server(STS_PIPELINE="dub", FRAGMENT_TIMEOUT_MS=30000)
    worker = await Worker(server, stream_id="metrics-dub").connect()
    await worker.init(timeout_ms=30000)
    processed = await run_stream(worker, 2)
    families = await scrape(server)

    for name, kind in PROTOCOL_METRICS.items():
        assert name in families, f"{name} missing from /metrics"
        assert families[name].type == kind, (name, families[name].type)
    delivered = sum(sample(families, "sts_fragment_processing_seconds", "_count", status=s)
                    for s in ("success", "partial", "failed"))
    assert delivered == len(processed) == 2
    worst_ms = max(p["processing_time_ms"] for p in processed)
    assert 0 < sample(families, "sts_fragment_processing_seconds", "_sum", status="success") + \
        sample(families, "sts_fragment_processing_seconds", "_sum", status="partial") <= 2 * worst_ms / 1000 + 0.01
    for stage in ("asr", "translation", "tts"):
        assert sample(families, f"sts_{stage}_duration_seconds", "_count") == 2, stage
        total_ms = sum(p["stage_timings"][f"{stage}_ms"] for p in processed)
        assert abs(sample(families, f"sts_{stage}_duration_seconds", "_sum") * 1000 - total_ms) <= 2, stage
    assert sample(families, "sts_fragments_in_flight") == 0
    assert 0 <= sample(families, "sts_gpu_utilization_percent") <= 100
    assert sample(families, "sts_gpu_memory_used_bytes") >= 0
    assert sample(families, "sts_connections", transport="websocket") == 1
    sent = sum(len(program_fragment(i)) for i in range(2)) * 4 / 3
    assert sample(families, "sts_transport_bytes", "_total", direction="in") > sent
    assert sample(families, "sts_build_info", asr_engine="pocketsphinx", tts_engine="espeak",
                  translation_engine="apertium", pipeline="dub") == 1


async def test_every_engine_pool_reports_its_size_and_waiters(start_server):
    server = start_server(STS_PIPELINE="dub", COMPUTE_THREADS=2)
    families = await scrape(server)
    for engine in ("pocketsphinx", "apertium"):
        assert sample(families, "sts_engine_pool_size", engine=engine) >= 1, engine
        assert sample(families, "sts_engine_pool_waiting", engine=engine) == 0, engine
    # espeak-ng is one library thread; the jobs queued for it are its waiters.
    assert sample(families, "sts_engine_pool_size", engine="espeak") == 1
    assert sample(families, "sts_engine_pool_waiting", engine="espeak") == 0


async def test_failures_rejections_and_backpressure_are_counted_by_code_and_severity(start_server):
    server = start_server(MAX_INFLIGHT=3)
    worker = await Worker(server, stream_id="metrics-faults").connect()
    await worker.init()
    await worker.send(0, fault={"stage": "tts", "code": "SYNTHESIS_FAILED"})
    await worker.send(1, fault={"stage": "translation", "code": "RATE_LIMIT_EXCEEDED"})
    await worker.processed(2)
    await worker.send(1, fragment_id="frag-1-again")  # a sequence number already used
    await worker.next("error", code="INVALID_SEQUENCE")
    families = await scrape(server)

    assert sample(families, "sts_fragment_errors", "_total", stage="tts", error_code="SYNTHESIS_FAILED") == 1
    assert sample(families, "sts_fragment_errors", "_total", stage="translation",
                  error_code="RATE_LIMIT_EXCEEDED") == 1
    assert sample(families, "sts_fragments", "_total", status="failed") == 2
    assert sample(families, "sts_rejections", "_total", code="INVALID_SEQUENCE") == 1
    # Four slow fragments in flight raise the level to medium (the default
    # thresholds), and delivering them brings it back to low.
    for seq in range(2, 6):
        await worker.send(seq, fault={"stage": "asr", "delay_ms": 200})
    await worker.processed(6)
    await worker.next("backpressure", severity="low")
    families = await scrape(server)
    assert sample(families, "sts_backpressure_events", "_total", severity="medium") == 1
    assert sample(families, "sts_backpressure_events", "_total", severity="low") == 1
    status, _, body = await http_get(server, "/status")
    status_json = json.loads(body)
    assert status == 200
    assert status_json["errors"] == {"SYNTHESIS_FAILED": 1, "RATE_LIMIT_EXCEEDED": 1, "INVALID_SEQUENCE": 1}
    assert status_json["backpressure"]["medium"] == 1
    assert [s["stream_id"] for s in status_json["streams"]] == ["metrics-faults"]
    assert status_json["streams"][0]["delivered"] == 6


async def test_health_names_every_engine_and_is_ready_when_all_are(start_server):
    server = start_server(STS_PIPELINE="dub")
    status, content_type, body = await http_get(server, "/health")
    health = json.loads(body)
    assert (status, content_type) == (200, "application/json")
    assert health["status"] == "ok" and health["version"] and health["uptime_s"] >= 0
    assert {stage: (e["engine"], e["ready"]) for stage, e in health["engines"].items()} == {
        "asr": ("pocketsphinx", True), "translation": ("apertium", True), "tts": ("espeak", True)}
    assert health["active_streams"] == 0


async def test_health_is_503_naming_a_remote_engine_that_stopped_answering(start_server):
    # Nothing listens on port 9 of the loopback: the first synthesis gets no answer.
    server = start_server(STS_PIPELINE="dub", TTS_ENGINE="http", TTS_URL="http://127.0.0.1:9/api/tts",
                          TTS_TIMEOUT_MS=2000, FRAGMENT_TIMEOUT_MS=30000)
    assert (await http_get(server, "/health"))[0] == 200
    worker = await Worker(server, stream_id="health-tts").connect()
    await worker.init(timeout_ms=30000)
    await worker.send(0, audio=program_fragment(0), duration_ms=6000)
    (result,) = await worker.processed(1)
    assert result["status"] == "failed" and result["error"]["stage"] == "tts"
    status, _, body = await http_get(server, "/health")
    health = json.loads(body)
    assert status == 503 and health["status"] == "unavailable"
    assert health["engines"]["tts"]["ready"] is False
    assert [line.split(":")[0] for line in health["not_ready"]] == ["tts"]
    assert health["engines"]["asr"]["ready"] and health["engines"]["translation"]["ready"]


async def test_a_streams_log_lines_are_json_with_correlation_fields_and_no_audio_or_key(start_server):
    api_key = "sk-live-0123456789abcdef0123456789abcdef"
    server = start_server(STS_PIPELINE="dub", LOG_LEVEL="debug", STS_API_KEY=api_key, FRAGMENT_TIMEOUT_MS=30000)
    worker = await Worker(server, stream_id="logged-stream").connect(auth={"token": api_key})
    await worker.init(timeout_ms=30000)
    processed = await run_stream(worker, 2)
    for result in processed:
        await worker.emit("fragment:ack", {"fragment_id": result["fragment_id"], "status": "received"})
    await worker.send(7, fragment_id="no-audio", audio=b"", duration_ms=6000)
    await worker.next("error", fragment_id="no-audio")
    await worker.emit("fragment:data", {"fragment_id": "orphan", "stream_id": "no-such-stream",
                                        "sequence_number": 9})
    await worker.next("error", code="STREAM_NOT_FOUND")
    await worker.close()
    await server.wait_for_line('"worker disconnected"')

    lines = [line for line in server.lines if not line.startswith("listening on port")]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for record in records:
        assert {"ts", "level", "msg"} <= record.keys(), record
        if "fragment_id" in record:
            assert {"stream_id", "sequence_number"} <= record.keys(), record
    delivered = [r for r in records if r["msg"] == "fragment delivered"]
    assert [(r["stream_id"], r["fragment_id"], r["sequence_number"]) for r in delivered] == [
        ("logged-stream", "frag-0", 0), ("logged-stream", "frag-1", 1)]
    for record in delivered:
        assert {"decode_ms", "asr_ms", "translation_ms", "tts_ms", "encode_ms"} <= record["stage_timings"].keys()
    assert any(r["msg"] == "worker confirmed delivery" and r["sequence_number"] == 1 for r in records)
    # An engine's own line, logged on the compute thread, carries the job's fields.
    assert any(r["msg"] == "apertium translating" and r.get("fragment_id") == "frag-0" for r in records)
    log_text = "\n".join(lines)
    assert api_key not in log_text
    sent_audio = base64.b64encode(program_fragment(0)).decode()
    assert sent_audio[1000:1064] not in log_text
    assert not re.search(r"[A-Za-z0-9+/]{200,}", log_text), "a long base64 run was logged"


async def test_the_grafana_dashboard_queries_only_metrics_the_server_exposes(start_server):
    server = start_server()
    _, _, text = await http_get(server, "/metrics")
    # From the TYPE lines: a labelled family has no samples until something happens.
    exposed = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            exposed |= {name + suffix for suffix in ("_bucket", "_sum", "_count")} if kind == "histogram" else {name}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "grafana", "sts-service.json")
    with open(path) as f:
        dashboard = json.load(f)
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\bsts_[a-z_]+", target["expr"])}
    assert len(queried) >= 12
    assert queried <= exposed, f"the dashboard queries what the server never exposes: {queried - exposed}"
