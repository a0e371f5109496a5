"""What a worker can check of the dubbed audio without a decoder: format, rate,
channels and duration from the raw PCM size, the WAV header, or the MP4 boxes
(mdhd time scale, the mp4a sample entry, the edit list that hides AAC priming)."""
import struct


def _boxes(data, start=0, end=None):
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[start + 8:start + 16])[0]
            header = 16
        elif size == 0:
            size = end - start
        if size < header:
            raise ValueError("bad MP4 box size")
        yield kind.decode("latin1"), start + header, start + size
        start += size


def _find(data, path, start=0, end=None):
    for kind, body, stop in _boxes(data, start, end):
        if kind == path[0]:
            return (body, stop) if len(path) == 1 else _find(data, path[1:], body, stop)
    raise KeyError("/".join(path))


def mp4_audio(data):
    """(sample_rate_hz, channels, duration_ms) of the first track of an MP4."""
    assert data[4:8] == b"ftyp", "not an MP4"
    trak = ("moov", "trak")
    body, _ = _find(data, trak + ("mdia", "mdhd"))
    version = data[body]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[body + 20:body + 32])
    else:
        timescale, duration = struct.unpack(">II", data[body + 12:body + 20])
    stsd, _ = _find(data, trak + ("mdia", "minf", "stbl", "stsd"))
    entry = stsd + 8  # version/flags and entry count
    assert data[entry + 4:entry + 8] == b"mp4a", "not AAC"
    channels = struct.unpack(">H", data[entry + 24:entry + 26])[0]
    # The edit list gives the presented length, without the encoder's priming.
    try:
        elst, _ = _find(data, trak + ("edts", "elst"))
        if data[elst] == 1:
            segment = struct.unpack(">Qq", data[elst + 8:elst + 24])
        else:
            segment = struct.unpack(">Ii", data[elst + 8:elst + 16])
        mvhd, _ = _find(data, ("moov", "mvhd"))
        movie_scale = struct.unpack(">I", data[mvhd + (20 if data[mvhd] == 1 else 12):][:4])[0]
        duration_ms = segment[0] * 1000 // movie_scale
    except KeyError:
        duration_ms = duration * 1000 // timescale
    return timescale, channels, duration_ms


def wav_audio(data):
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", "not a WAV"
    chunks = {}
    offset = 12
    while offset + 8 <= len(data):
        kind, size = struct.unpack("<4sI", data[offset:offset + 8])
        chunks[kind] = (offset + 8, size)
        offset += 8 + size + (size & 1)
    fmt, _ = chunks[b"fmt "]
    _, channels, rate = struct.unpack("<HHI", data[fmt:fmt + 8])
    bits = struct.unpack("<H", data[fmt + 14:fmt + 16])[0]
    frames = chunks[b"data"][1] // (channels * bits // 8)
    return rate, channels, frames * 1000 // rate


def describe(fmt, data, declared_rate, declared_channels):
    """(sample_rate_hz, channels, duration_ms) that the bytes themselves show."""
    if fmt in ("pcm_s16le", "pcm_f32le"):
        width = 2 if fmt == "pcm_s16le" else 4
        assert len(data) % (width * declared_channels) == 0
        frames = len(data) // (width * declared_channels)
        return declared_rate, declared_channels, frames * 1000 // declared_rate
    if fmt == "wav":
        return wav_audio(data)
    return mp4_audio(data)
