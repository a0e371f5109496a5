"""stream:init (docs/protocol.md §2): stream:ready, or error with INVALID_CONFIG naming
the field, UNSUPPORTED_LANGUAGE_PAIR or INVALID_VOICE_PROFILE."""

import copy

import pytest

from worker import Worker, stream_config

BUILTIN_VOICES = {"spanish_male_1", "spanish_female_1", "spanish_male_sports"}


async def test_ready_carries_stream_session_limits_and_capabilities(server):
    worker = await Worker(server).connect()
    ready = await worker.init()
    assert ready["stream_id"] == "stream-1"
    assert isinstance(ready["session_id"], str) and ready["session_id"]
    assert ready["max_inflight"] == 3
    caps = ready["capabilities"]
    assert caps["batch_processing"] is False and caps["async_delivery"] is True
    assert BUILTIN_VOICES <= set(caps["voices"])
    assert set(caps["formats"]) == {"pcm_s16le", "pcm_f32le", "wav", "m4a"}
    await worker.close()


async def test_ready_reports_the_requested_max_inflight(server):
    worker = await Worker(server).connect()
    ready = await worker.init(max_inflight=7, timeout_ms=2000)
    assert ready["max_inflight"] == 7
    await worker.close()


async def test_unknown_extra_fields_are_ignored(server):
    worker = await Worker(server).connect()
    ready = await worker.init(extra="x", config=stream_config(colour="blue", domain_hints=["sports"]))
    assert ready["stream_id"] == "stream-1"
    await worker.close()


def without(config, key):
    config = copy.deepcopy(config)
    del config[key]
    return config


BASE = {"stream_id": "stream-1", "worker_id": "worker-1", "config": stream_config()}

# (case id, payload, field the error must name)
INVALID_CONFIGS = [
    ("not-an-object", "hello", ""),
    ("missing-stream_id", without(BASE, "stream_id"), "stream_id"),
    ("stream_id-not-string", {**BASE, "stream_id": 5}, "stream_id"),
    ("stream_id-empty", {**BASE, "stream_id": ""}, "stream_id"),
    ("missing-worker_id", without(BASE, "worker_id"), "worker_id"),
    ("missing-config", without(BASE, "config"), "config"),
    ("config-not-object", {**BASE, "config": [1, 2]}, "config"),
    ("max_inflight-zero", {**BASE, "max_inflight": 0}, "max_inflight"),
    ("max_inflight-eleven", {**BASE, "max_inflight": 11}, "max_inflight"),
    ("max_inflight-string", {**BASE, "max_inflight": "3"}, "max_inflight"),
    ("timeout_ms-too-small", {**BASE, "timeout_ms": 999}, "timeout_ms"),
    ("timeout_ms-too-large", {**BASE, "timeout_ms": 30001}, "timeout_ms"),
    ("timeout_ms-float", {**BASE, "timeout_ms": 1500.5}, "timeout_ms"),
] + [
    (f"missing-{key}", {**BASE, "config": without(stream_config(), key)}, f"config.{key}")
    for key in ["source_language", "target_language", "voice_profile", "chunk_duration_ms",
                "sample_rate_hz", "channels", "format"]
] + [
    ("sample_rate_hz-string", {**BASE, "config": stream_config(sample_rate_hz="48000")}, "config.sample_rate_hz"),
    ("sample_rate_hz-too-low", {**BASE, "config": stream_config(sample_rate_hz=100)}, "config.sample_rate_hz"),
    ("sample_rate_hz-bool", {**BASE, "config": stream_config(sample_rate_hz=True)}, "config.sample_rate_hz"),
    ("channels-zero", {**BASE, "config": stream_config(channels=0)}, "config.channels"),
    ("channels-float", {**BASE, "config": stream_config(channels=2.5)}, "config.channels"),
    ("chunk_duration_ms-negative", {**BASE, "config": stream_config(chunk_duration_ms=-1)}, "config.chunk_duration_ms"),
    ("format-unknown", {**BASE, "config": stream_config(format="mp3")}, "config.format"),
    ("format-not-string", {**BASE, "config": stream_config(format=1)}, "config.format"),
    ("source_language-not-a-code", {**BASE, "config": stream_config(source_language="e")}, "config.source_language"),
    ("target_language-list", {**BASE, "config": stream_config(target_language=["es"])}, "config.target_language"),
    ("voice_profile-empty", {**BASE, "config": stream_config(voice_profile="")}, "config.voice_profile"),
    ("domain_hints-not-list", {**BASE, "config": stream_config(domain_hints="sports")}, "config.domain_hints"),
    ("domain_hints-numbers", {**BASE, "config": stream_config(domain_hints=[1])}, "config.domain_hints"),
]


@pytest.mark.parametrize("payload,field", [(p, f) for _, p, f in INVALID_CONFIGS],
                         ids=[c for c, _, _ in INVALID_CONFIGS])
async def test_invalid_config_names_the_field(server, payload, field):
    worker = await Worker(server).connect()
    await worker.emit("stream:init", payload)
    error = await worker.next("error")
    assert error["code"] == "INVALID_CONFIG"
    assert error["severity"] == "error" and error["retryable"] is False
    assert error["error_id"]
    if field:
        assert error["metadata"]["field"] == field
        assert field in error["message"]
    assert not worker.of("stream:ready")
    # The connection survives: a valid init still works.
    await worker.init()
    await worker.close()


async def test_an_integer_beyond_64_bits_is_invalid_config_and_the_connection_stays(server):
    worker = await Worker(server).connect()
    await worker.emit("stream:init", {**BASE, "max_inflight": 10**30})
    error = await worker.next("error")
    assert error["code"] == "INVALID_CONFIG" and error["metadata"]["field"] == "max_inflight", error
    assert "between" in error["message"]
    ready = await worker.init()
    assert ready["stream_id"] == "stream-1"
    await worker.close()


async def test_unsupported_language_pair(server):
    worker = await Worker(server).connect()
    await worker.init(expect_ready=False, config=stream_config(source_language="en", target_language="fr"))
    error = await worker.next("error")
    assert error["code"] == "UNSUPPORTED_LANGUAGE_PAIR"
    assert error["stream_id"] == "stream-1"
    assert "en->fr" in error["message"]
    await worker.close()


async def test_voice_not_in_catalogue_is_refused(server):
    worker = await Worker(server).connect()
    await worker.init(expect_ready=False, config=stream_config(voice_profile="klingon_baritone"))
    error = await worker.next("error")
    assert error["code"] == "INVALID_VOICE_PROFILE"
    assert "klingon_baritone" in error["message"]
    await worker.close()


@pytest.mark.parametrize("voice", sorted(BUILTIN_VOICES | {"default"}))
async def test_catalogue_voices_and_default_are_accepted(server, voice):
    worker = await Worker(server).connect()
    ready = await worker.init(config=stream_config(voice_profile=voice))
    assert ready["stream_id"] == "stream-1"
    await worker.close()


async def test_voice_catalogue_comes_from_voice_profiles_path(start_server, tmp_path):
    catalogue = tmp_path / "voices.json"
    catalogue.write_text('{"voices": {"narrador": {"engine": "espeak", "language": "es", "voice": "es"}},'
                         ' "default_voice_per_language": {"es": "narrador"}}')
    server = start_server(VOICE_PROFILES_PATH=catalogue)
    worker = await Worker(server).connect()
    ready = await worker.init(config=stream_config(voice_profile="narrador"))
    assert ready["capabilities"]["voices"] == ["narrador"]
    await worker.close()


async def test_repeated_init_of_the_same_stream_answers_ready_again(server):
    worker = await Worker(server).connect()
    first = await worker.init()
    await worker.init(expect_ready=False)
    await worker.wait_for(lambda ev: len([e for e, _ in ev if e == "stream:ready"]) == 2, "second ready")
    assert worker.of("stream:ready")[1]["session_id"] == first["session_id"]
    await worker.close()


async def test_second_stream_on_an_open_connection_is_refused(server):
    worker = await Worker(server).connect()
    await worker.init()
    await worker.emit("stream:init", {**BASE, "stream_id": "other"})
    error = await worker.next("error")
    assert error["code"] == "INVALID_CONFIG" and error["metadata"]["field"] == "stream_id"
    await worker.close()
