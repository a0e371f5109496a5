"""sts-dub on the test programme against a real server: the dubbed file lasts as
long as the input (within one AAC frame), carries speech wherever the input did,
keeps a video's video, and a lost server ends the run at once with a clear message."""

import os
import subprocess

import pytest

from conftest import Server, audio_seconds, binary, data_path, mono_samples, probe, rms, speech_windows

# A hang guard only: a run of the 63 s programme takes seconds.
RUN_TIMEOUT_S = 300
AAC_FRAME_S = 1024 / 48000
# -50 dBFS of 16-bit audio: far below speech, far above the digital silence that
# fills a fragment the pipeline found no speech in (or a fragment that failed).
SPEECH_RMS = 32768 * 10 ** (-50 / 20)
# The machine running the tests may be busy: a generous per-fragment deadline keeps
# the output about dubbing, not about this machine's load.
STREAM_FLAGS = ["--timeout-ms", "30000"]


def dub(*args):
    return subprocess.run([binary("STS_DUB"), *args, *STREAM_FLAGS], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S)


def assert_dubbed_like(input_path, output_path):
    assert abs(audio_seconds(output_path) - audio_seconds(input_path)) <= AAC_FRAME_S
    samples = mono_samples(output_path)
    for start_ms, end_ms in speech_windows():
        window = samples[start_ms * 16:end_ms * 16]
        assert rms(window) > SPEECH_RMS, f"silent where the input speaks, {start_ms}-{end_ms} ms"


@pytest.mark.parametrize("source, output", [("program.m4a", "dubbed.wav"), ("program.wav", "dubbed.m4a")])
def test_dubs_the_programme_to_the_same_length_with_speech_where_it_spoke(dub_server, tmp_path, source, output):
    input_path = data_path("program", source)
    output_path = str(tmp_path / output)
    done = dub(input_path, "-o", output_path, "--server", dub_server.url)
    assert done.returncode == 0, done.stderr
    assert "11 success" in done.stdout, done.stdout
    assert_dubbed_like(input_path, output_path)


def test_a_video_keeps_its_video_and_gets_the_dubbed_track(dub_server, tmp_path):
    video = str(tmp_path / "clip.mp4")
    # 12 s of the programme under a tiny picture: two fragments, made in well under a second.
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x64:r=5",
                    "-i", data_path("program", "program.wav"), "-t", "12", "-c:v", "mpeg4", "-c:a", "aac", video],
                   check=True)
    output_path = str(tmp_path / "dubbed.mp4")
    done = dub(video, "-o", output_path, "--server", dub_server.url)
    assert done.returncode == 0, done.stderr
    streams = probe(output_path)["streams"]
    assert [s["codec_type"] for s in streams].count("video") == 1
    assert next(s for s in streams if s["codec_type"] == "video")["codec_name"] == "mpeg4"
    assert abs(audio_seconds(output_path) - audio_seconds(video)) <= AAC_FRAME_S
    assert rms(mono_samples(output_path)[500 * 16:7600 * 16]) > SPEECH_RMS


def test_exits_with_a_clear_message_when_the_server_is_killed(tmp_path):
    server = Server()
    try:
        cli = subprocess.Popen([binary("STS_DUB"), data_path("program", "program.wav"), "-o",
                                str(tmp_path / "never.wav"), "--server", server.url, *STREAM_FLAGS],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = []
        for line in cli.stderr:  # not a terminal: one progress line per fragment
            seen.append(line)
            if "fragment 1/11" in line:
                server.kill()
                break
        try:
            _, rest = cli.communicate(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            cli.kill()
            pytest.fail("sts-dub hung after its server was killed:\n" + "".join(seen))
        message = "".join(seen) + rest
        assert cli.returncode == 1, message
        assert f"sts-dub: lost the server at {server.url}" in message, message
        assert "/11 fragments" in message, message
        assert not os.path.exists(tmp_path / "never.wav")
    finally:
        server.stop()


def test_says_why_when_no_server_answers(tmp_path):
    done = dub(data_path("edge", "speech_1s.wav"), "-o", str(tmp_path / "x.wav"), "--server", "http://127.0.0.1:1")
    assert done.returncode == 1
    assert "sts-dub: the server at http://127.0.0.1:1: cannot connect" in done.stderr, done.stderr


def test_reports_a_stream_the_server_refuses(dub_server, tmp_path):
    done = dub(data_path("edge", "speech_1s.wav"), "-o", str(tmp_path / "x.wav"), "--server", dub_server.url,
               "--target", "fr")
    assert done.returncode == 1
    assert "refused the stream: UNSUPPORTED_LANGUAGE_PAIR" in done.stderr, done.stderr


def test_local_runs_the_same_pipeline_without_a_server(tmp_path):
    input_path = data_path("edge", "speech_10s.wav")
    output_path = str(tmp_path / "dubbed.m4a")
    done = dub(input_path, "-o", output_path, "--local")
    assert done.returncode == 0, done.stderr
    assert "2 success" in done.stdout, done.stdout
    assert abs(audio_seconds(output_path) - audio_seconds(input_path)) <= AAC_FRAME_S
    assert rms(mono_samples(output_path)) > SPEECH_RMS
