#!/usr/bin/python3
"""Builds every test input of sts-service from Debian packages, deterministically.

Run through scripts/test-data.sh, which checks the result against the committed
checksums. Every byte comes from a Debian package named in PACKAGES (or is made here
from fixed numbers and seeds): speech with exact transcripts, a 63 s 48 kHz stereo
programme cut into live 6 s fragments in every wire format, English-Spanish prompt
pairs, edge cases, malformed inputs, and the offline engines' baseline outputs.

Fixed lists, fixed seeds, SoX's repeatable mode without dither and FFmpeg's bitexact
flags make two runs with the same package versions byte-identical; only
baselines/results.json (timings) differs between runs and is left out of the sums.
"""

import argparse
import array
import gzip
import hashlib
import json
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

TESTDATA = "/usr/share/pocketsphinx/test/data"
ALLISON = "/usr/share/asterisk/sounds/en_US_f_Allison"
EN_PROMPTS = "/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
ES_PROMPTS = "/usr/share/doc/asterisk-core-sounds-es/core-sounds-es.txt.gz"
MODEL = "/usr/share/pocketsphinx/model/en-us"
SCLITE = "/usr/lib/sctk/bin/sclite"

RATE = 48000
CHANNELS = 2
FRAGMENT_MS = 6000
SPEECH_RATE = 16000

# The packages whose files or tools make the data: the versions these sums were made with
# are in scripts/test-data.versions, and --check names any that differ.
PACKAGES = [
    "pocketsphinx-testdata", "asterisk-core-sounds-en-g722", "asterisk-core-sounds-en-wav",
    "asterisk-core-sounds-en", "asterisk-core-sounds-es", "ffmpeg", "sox", "python3-pocketsphinx",
    "pocketsphinx-en-us", "apertium", "apertium-eng-spa", "sctk",
]

# The 32 utterances: (id, source kind, source). Libri and CMU come with transcripts in
# pocketsphinx-testdata; the Asterisk prompts' texts are in core-sounds-en.txt. The
# prompts were chosen once by rule (letters and sentence punctuation only, 2-10 s, one
# per distinct text, longest first; the first 20 from the G.722 wideband set, the next
# 5 from the 8 kHz set) and are fixed here so that a new package version cannot change
# the selection behind the tests' backs.
LIBRI = ["0870", "0880", "0890", "0920", "0930"]
WIDEBAND = [
    "tt-allbusy", "queue-periodic-announce", "vm-record-prepend", "vm-newuser", "vm-invalid-password",
    "demo-thanks", "agent-alreadyon", "vm-rec-temp", "vm-rec-unv", "queue-youarenext", "vm-nobox",
    "agent-incorrect", "confbridge-pin", "pbx-invalidpark", "ss-noservice", "agent-user", "vm-tmpexists",
    "vm-rec-busy", "confbridge-pin-bad", "auth-incorrect",
]
NARROWBAND = ["privacy-unident", "pbx-invalid", "vm-rec-name", "priv-introsaved", "vm-mailboxfull"]

# Upstream typos and spellings that would make a correct recognition count as an error.
TEXT_FIXES = [("represenatives", "representatives"), ("PBX", "P B X"), ("mail box", "mailbox")]

# The programme: utterances in an order that alternates voices, and the silence before
# each (the first is the lead-in) and after the last, in ms.
PROGRAMME = [
    "libri_0870", "libri_0880", "libri_0890", "astwb_tt-allbusy", "libri_0920", "libri_0930",
    "astwb_queue-periodic-announce", "cmu_goforward", "astwb_vm-record-prepend", "astwb_vm-newuser",
]
PROGRAMME_GAPS_MS = [500, 360, 510, 690, 590, 730, 510, 400, 520, 490]
PROGRAMME_TAIL_MS = 500
TARGET_RMS_DB = -22.0
PEAK_LIMIT_DB = -1.0
FADE_S = 0.01

FFMPEG = ["ffmpeg", "-v", "error", "-nostdin", "-y"]
BITEXACT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
AAC = ["-c:a", "aac", "-b:a", "128k"]


def run(args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, (bytes, bytearray)) else "w"
    with open(path, mode) as f:
        f.write(data)


def write_json(path, value):
    write(path, json.dumps(value, indent=1, ensure_ascii=False) + "\n")


def wav_bytes(pcm, rate, channels):
    """A canonical 44-byte-header RIFF/WAVE file of s16 samples."""
    data = pcm.tobytes() if isinstance(pcm, array.array) else pcm
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, channels,
                         rate, rate * channels * 2, channels * 2, 16, b"data", len(data))
    return header + data


def read_wav_samples(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[36:40] != b"data":
        raise SystemExit(f"{path}: not a canonical WAV")
    samples = array.array("h")
    samples.frombytes(data[44:])
    return samples


def silence(frames):
    return array.array("h", bytes(2 * frames))


def interleave(mono, channels):
    out = array.array("h", bytes(2 * len(mono) * channels))
    for c in range(channels):
        out[c::channels] = mono
    return out


def encode_m4a(pcm_path, out_path, rate=RATE, channels=CHANNELS, extra=()):
    run(FFMPEG + ["-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", pcm_path] + AAC + BITEXACT +
        list(extra) + ["-f", "mp4", out_path])


def decoded_frames(path):
    """Frames per channel FFmpeg decodes from a file: what a server gets before trimming."""
    pcm = run(FFMPEG + ["-i", path, "-f", "s16le", "-ac", "1", "-"], capture_output=True).stdout
    return len(pcm) // 2


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# -- texts -------------------------------------------------------------------------------

def asterisk_prompts(path):
    """id -> text of a core-sounds-*.txt; the first line wins where an id repeats."""
    prompts = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(";") or ":" not in line:
                continue
            key, text = line.split(":", 1)
            prompts.setdefault(key.strip(), " ".join(text.split()))
    return prompts


def display_text(text):
    for wrong, right in TEXT_FIXES:
        text = text.replace(wrong, right)
    return text


def reference_words(text):
    """sclite's reference convention: lower case, hyphens split words, apostrophes kept."""
    text = text.lower().replace("-", " ")
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text).split())


def libri_transcripts():
    texts = {}
    with open(f"{TESTDATA}/librivox/transcription") as f:
        for line in f:
            match = re.match(r"<s> (.*) </s> \((.*)\)", line.strip())
            if match:
                texts[match.group(2).rsplit("-", 1)[1]] = match.group(1)
    return texts


def speech_sources():
    """(uttid, group, condition, source, original text) for the 32 utterances."""
    libri = libri_transcripts()
    prompts = asterisk_prompts(EN_PROMPTS)
    cards = open(f"{TESTDATA}/cards/cards.transcription").read()
    cards005 = re.search(r"<s> (.*) </s> \(005\)", cards)
    sources = []
    for n in LIBRI:
        sources.append((f"libri_{n}", "libri",
                        "read audiobook speech, 16 kHz (LibriVox 64 kb/s MP3 edition, per the file name)",
                        f"pocketsphinx-testdata:{TESTDATA}/librivox/sense_and_sensibility_01_austen_64kb-{n}.wav",
                        libri[n]))
    sources.append(("cmu_goforward", "cmu", "CMU Sphinx test recording, 16 kHz",
                    f"pocketsphinx-testdata:{TESTDATA}/goforward.raw (16 kHz s16le raw; text: goforward.gram rule "
                    "<move>)", "go forward ten meters"))
    sources.append(("cmu_cards005", "cmu", "CMU Sphinx test recording, 16 kHz",
                    f"pocketsphinx-testdata:{TESTDATA}/cards/005.wav",
                    " ".join(cards005.group(1).split())))
    for name in WIDEBAND:
        sources.append((f"astwb_{name}", "astwb",
                        "studio IVR prompt (voice: Allison Smith), G.722 wideband decoded to 16 kHz",
                        f"asterisk-core-sounds-en-g722:{ALLISON}/{name}.g722", prompts[name]))
    for name in NARROWBAND:
        sources.append((f"astnb_{name}", "astnb",
                        "studio IVR prompt (voice: Allison Smith), 8 kHz telephone band upsampled to 16 kHz",
                        f"asterisk-core-sounds-en-wav:{ALLISON}/{name}.wav", prompts[name]))
    return sources


LICENCES = {
    "libri": "public domain (LibriVox); shipped under pocketsphinx-testdata BSD-2-clause",
    "cmu": "BSD-2-clause (pocketsphinx-testdata, Carnegie Mellon University)",
    "astwb": "CC-BY-SA-3.0, voice Allison Smith, Digium Inc. (asterisk-core-sounds)",
    "astnb": "CC-BY-SA-3.0, voice Allison Smith, Digium Inc. (asterisk-core-sounds)",
}


# -- speech/en ---------------------------------------------------------------------------

def make_utterance(uttid, source, path):
    package_path = source.split(":", 1)[1].split(" ")[0]
    if uttid.startswith("astwb_"):
        run(FFMPEG + ["-i", package_path, "-c:a", "pcm_s16le"] + BITEXACT[:4] + [path])
    elif uttid.startswith("astnb_"):
        run(["sox", "-R", "-D", package_path, path, "rate", "-v", str(SPEECH_RATE)])
    elif package_path.endswith(".raw"):
        run(["sox", "-R", "-D", "-t", "raw", "-r", str(SPEECH_RATE), "-e", "signed", "-b", "16", "-c", "1",
             package_path, path])
    else:
        shutil.copyfile(package_path, path)


def align(decoder, wav_path, words):
    """Word times (ms) from pocketsphinx forced to the reference by a one-path grammar."""
    decoder.set_jsgf_string("ref", "#JSGF V1.0;\ngrammar ref;\npublic <s> = " + " ".join(words) + " ;\n")
    decoder.set_search("ref")
    with open(wav_path, "rb") as f:
        pcm = f.read()[44:]
    decoder.start_utt()
    decoder.process_raw(pcm, False, True)
    decoder.end_utt()
    aligned = []
    for segment in decoder.seg():
        word = segment.word.split("(")[0]
        if word in ("<s>", "</s>", "<sil>", "NULL") or word.startswith("["):
            continue
        aligned.append((word, segment.start_frame * 10, (segment.end_frame + 1) * 10))
    return aligned if [w for w, _, _ in aligned] == words else None


def pocketsphinx_decoder(grammar_only):
    from pocketsphinx import Decoder
    config = Decoder.default_config()
    config.set_string("-hmm", f"{MODEL}/en-us")
    config.set_string("-dict", f"{MODEL}/cmudict-en-us.dict")
    if not grammar_only:
        config.set_string("-lm", f"{MODEL}/en-us.lm.bin")
    config.set_string("-logfn", os.devnull)
    return Decoder(config)


def make_speech(out):
    folder = f"{out}/speech/en"
    os.makedirs(folder)
    utterances = {}
    sources_tsv = ["file\tuttid\tgroup\tcondition\tsource\toriginal_text\tdisplay_text\tlicence"]
    refs_tsv = ["file\tduration_ms\ttext"]
    refs_trn, words_tsv = [], ["uttid\tword_index\tword\tstart_ms\tend_ms"]
    for uttid, group, condition, source, original in speech_sources():
        path = f"{folder}/{uttid}.wav"
        make_utterance(uttid, source, path)
        samples = read_wav_samples(path)
        duration_ms = round(len(samples) * 1000 / SPEECH_RATE)
        shown = display_text(original)
        text = reference_words(shown)
        # A decoder of its own for each utterance: the cepstral mean it adapts to one
        # recording would shift the next one's word times by tens of ms.
        words = align(pocketsphinx_decoder(grammar_only=True), path, text.split())
        if words is None:
            raise SystemExit(f"{uttid}: forced alignment did not follow the reference")
        utterances[uttid] = {"group": group, "text": text, "display_text": shown, "samples": samples,
                             "duration_ms": duration_ms, "words": words}
        sources_tsv.append("\t".join([f"{uttid}.wav", uttid, group, condition, source, original, shown,
                                      LICENCES[group]]))
        refs_tsv.append(f"{uttid}.wav\t{duration_ms}\t{text}")
        refs_trn.append(f"{text} ({uttid})")
        words_tsv += [f"{uttid}\t{i}\t{w}\t{start}\t{end}" for i, (w, start, end) in enumerate(words)]
    for name, lines in [("sources.tsv", sources_tsv), ("refs.tsv", refs_tsv), ("refs.trn", refs_trn),
                        ("words.tsv", words_tsv)]:
        write(f"{folder}/{name}", "\n".join(lines) + "\n")
    return utterances


# -- program/ ----------------------------------------------------------------------------

def level_db(samples):
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    peak = max(abs(x) for x in samples)
    return 20 * math.log10(rms / 32768), 20 * math.log10(peak / 32768)


def broadcast_voice(wav_path, tmp):
    """One utterance at programme level: RMS to -22 dBFS (peak at most -1 dBFS), 48 kHz,
    10 ms half-sine fades (the sentences are cut from longer recordings)."""
    rms_db, peak_db = level_db(read_wav_samples(wav_path))
    gain_db = min(TARGET_RMS_DB - rms_db, PEAK_LIMIT_DB - peak_db)
    raw = f"{tmp}/voice.s16"
    run(["sox", "-R", "-D", wav_path, "-t", "raw", "-e", "signed", "-b", "16", raw, "vol", f"{gain_db!r}dB",
         "rate", "-v", str(RATE), "fade", "h", str(FADE_S), "-0", str(FADE_S)])
    voice = array.array("h")
    with open(raw, "rb") as f:
        voice.frombytes(f.read())
    return voice, gain_db


def frames_to_ms(frames):
    return frames * 1000 / RATE


def make_program(out, utterances, tmp):
    folder = f"{out}/program"
    os.makedirs(folder)
    mono = array.array("h")
    placed = []
    for uttid, gap_ms in zip(PROGRAMME, PROGRAMME_GAPS_MS):
        mono.extend(silence(gap_ms * RATE // 1000))
        voice, gain_db = broadcast_voice(f"{out}/speech/en/{uttid}.wav", tmp)
        start = len(mono)
        mono.extend(voice)
        placed.append((uttid, gain_db, start, len(mono)))
    mono.extend(silence(PROGRAMME_TAIL_MS * RATE // 1000))
    total = len(mono)
    stereo = interleave(mono, CHANNELS)

    timeline = []
    manifest_utterances = []
    for uttid, gain_db, start, end in placed:
        u = utterances[uttid]
        offset_ms = frames_to_ms(start)
        words = [{"word": w, "start_ms": round(offset_ms + s, 1), "end_ms": round(offset_ms + e, 1)}
                 for w, s, e in u["words"]]
        timeline += [(w["word"], w["start_ms"], w["end_ms"]) for w in words]
        manifest_utterances.append({
            "id": uttid, "source_file": f"speech/en/{uttid}.wav", "text": u["text"],
            "display_text": u["display_text"], "gain_db": round(gain_db, 2), "start_ms": offset_ms,
            "end_ms": frames_to_ms(end), "words": words})

    write(f"{folder}/program.wav", wav_bytes(stereo, RATE, CHANNELS))
    write(f"{tmp}/program.s16", stereo.tobytes())
    encode_m4a(f"{tmp}/program.s16", f"{folder}/program.m4a")

    fragments = []
    fragment_frames = FRAGMENT_MS * RATE // 1000
    for index, first in enumerate(range(0, total, fragment_frames)):
        last = min(first + fragment_frames, total)
        fragments.append(make_fragment(folder, tmp, index, stereo[first * CHANNELS:last * CHANNELS], first, last,
                                       timeline, manifest_utterances))

    write_json(f"{folder}/manifest.json", {
        "description": "Continuous English programme cut into consecutive fragments; see scripts/test_data.py",
        "sample_rate_hz": RATE, "channels": CHANNELS, "sample_format_raw": "interleaved little-endian",
        "fragment_duration_ms": FRAGMENT_MS, "total_duration_ms": round(frames_to_ms(total)),
        "total_frames_per_channel": total,
        "aac": {"profile": "LC", "bitrate": "128k", "encoder": "ffmpeg native aac"},
        "program": {
            "wav": {"file": "program.wav", "sha256": sha256(f"{folder}/program.wav")},
            "m4a": {"file": "program.m4a", "sha256": sha256(f"{folder}/program.m4a"),
                    "decoded_frames_per_channel": decoded_frames(f"{folder}/program.m4a")}},
        "transcript": " ".join(u["text"] for u in manifest_utterances),
        "word_timing": "forced alignment (pocketsphinx en-us), 10 ms frames; a word counts as inside a fragment "
                       "when its whole [start_ms, end_ms] lies in [start, start+duration)",
        "utterances": manifest_utterances,
        "fragments": fragments})
    return stereo


def make_fragment(folder, tmp, index, pcm, first, last, timeline, utterances):
    stem = f"{folder}/frag_{index:03d}"
    start_ms, end_ms = frames_to_ms(first), frames_to_ms(last)
    write(f"{stem}.s16", pcm.tobytes())
    write(f"{stem}.f32", array.array("f", (x / 32768 for x in pcm)).tobytes())
    write(f"{stem}.wav", wav_bytes(pcm, RATE, CHANNELS))
    encode_m4a(f"{stem}.s16", f"{stem}.m4a")
    run(FFMPEG + ["-i", f"{stem}.m4a", "-c:a", "copy", "-fflags", "+bitexact", "-f", "adts", f"{stem}.aac"])
    files = {}
    for key, ext in [("pcm_s16le", "s16"), ("pcm_f32le", "f32"), ("wav", "wav"), ("m4a", "m4a"),
                     ("m4a_adts", "aac")]:
        path = f"{stem}.{ext}"
        files[key] = {"file": os.path.basename(path), "bytes": os.path.getsize(path), "sha256": sha256(path)}
    files["m4a"]["decoded_frames_per_channel"] = decoded_frames(f"{stem}.m4a")
    inside = [w for w, s, e in timeline if s >= start_ms and e <= end_ms]
    boundary = [w for w, s, e in timeline if s < start_ms < e or s < end_ms < e]
    return {
        "index": index, "start_ms": round(start_ms), "duration_ms": round(end_ms - start_ms),
        "frames_per_channel": last - first, "files": files, "ref_words_inside": " ".join(inside),
        "boundary_words": boundary,
        "utterances_inside": [u["id"] for u in utterances if u["start_ms"] >= start_ms and u["end_ms"] <= end_ms],
        "utterances_partial": [u["id"] for u in utterances
                               if u["start_ms"] < end_ms and u["end_ms"] > start_ms
                               and not (u["start_ms"] >= start_ms and u["end_ms"] <= end_ms)]}


# -- mt/ ---------------------------------------------------------------------------------

def letters_only(text):
    return re.sub(r"[^a-z0-9]", "", text.lower())


def make_mt(out):
    """English-Spanish pairs from the Asterisk prompts both languages have, minus those
    that are no translation: channel-driver names, an empty side, untranslated names or
    letters, phonetic-alphabet code words, sound-effect markup, and partial translations
    (length ratio outside 0.4-3 for four or more English words)."""
    english, spanish = asterisk_prompts(EN_PROMPTS), asterisk_prompts(ES_PROMPTS)
    rows = ["id\tenglish\tspanish"]
    for key in sorted(english.keys() & spanish.keys()):
        en, es = display_text_mt(english[key]), spanish[key]
        if key.startswith(("spy-", "phonetic/")) or not en or not es:
            continue
        if letters_only(en) == letters_only(es) or re.search(r"[\[\]<>()]", en + es):
            continue
        ratio = len(es) / len(en)
        if not 0.4 <= ratio <= 3 and len(en.split()) >= 4:
            continue
        rows.append(f"{key}\t{en}\t{es}")
    write(f"{out}/mt/en-es.tsv", "\n".join(rows) + "\n")
    return [row.split("\t") for row in rows[1:]]


def display_text_mt(text):
    # Only the typo: "PBX" and "mail box" are fine as written text for a translator.
    return text.replace("represenatives", "representatives")


# -- edge/ -------------------------------------------------------------------------------

def pink_noise(frames, rms_db, seed):
    """Paul Kellet's economy pink filter over seeded white noise, scaled to rms_db."""
    rng = random.Random(seed)
    b0 = b1 = b2 = 0.0
    out = []
    for _ in range(frames):
        white = rng.uniform(-1.0, 1.0)
        b0 = 0.99765 * b0 + white * 0.0990460
        b1 = 0.96300 * b1 + white * 0.2965164
        b2 = 0.57000 * b2 + white * 1.0526913
        out.append(b0 + b1 + b2 + white * 0.1848)
    rms = math.sqrt(sum(x * x for x in out) / frames)
    scale = 32768 * 10 ** (rms_db / 20) / rms
    return array.array("h", (max(-32768, min(32767, round(x * scale))) for x in out))


def tones(frames):
    """A C-major arpeggio of 0.5 s notes with two harmonics over a C2 drone."""
    notes = [261.63, 329.63, 392.00, 523.25]
    note_frames = RATE // 2
    out = array.array("h")
    for i in range(frames):
        t = i / RATE
        n = i // note_frames
        f = notes[n % len(notes)]
        into = (i % note_frames) / RATE
        envelope = min(1.0, into / 0.02) * math.exp(-3.0 * into)
        melody = envelope * (math.sin(2 * math.pi * f * t) + 0.4 * math.sin(4 * math.pi * f * t) +
                             0.2 * math.sin(6 * math.pi * f * t))
        drone = 0.3 * math.sin(2 * math.pi * 65.41 * t)
        out.append(round(6000 * (melody + drone)))
    return out


def pad(mono, frames, lead):
    out = silence(lead)
    out.extend(mono)
    out.extend(silence(frames - len(out)))
    return out


def make_edge(out, utterances, tmp):
    folder = f"{out}/edge"
    os.makedirs(folder)
    six = FRAGMENT_MS * RATE // 1000
    first, second = broadcast_voice(f"{out}/speech/en/libri_0920.wav", tmp)[0], \
        broadcast_voice(f"{out}/speech/en/libri_0930.wav", tmp)[0]
    ten_s = array.array("h", first)
    ten_s.extend(silence(RATE * 3 // 10))
    ten_s.extend(second)
    thanks = make_thank_you(tmp)
    items = [
        ("noise_pink_6s", 6000, "pink noise at -40 dBFS RMS, independent per channel, seed 7", "", None),
        ("silence_6s", 6000, "digital silence (all zero samples)", "", silence(six)),
        ("speech_10s", 10000, "two whole LibriVox sentences, padded to 10.000 s",
         utterances["libri_0920"]["text"] + " " + utterances["libri_0930"]["text"],
         pad(ten_s, 10 * RATE, RATE // 5)),
        ("speech_1s", 1000, "a whole short IVR prompt, padded to 1.000 s", "thank you",
         pad(thanks, RATE, (RATE - len(thanks)) // 2)),
        ("tones_6s", 6000, "synthetic music-like note sequence (C-major arpeggio with harmonics over a C2 drone), "
         "no speech", "", tones(six)),
    ]
    listed = []
    for stem, ms, description, text, mono in items:
        if stem == "noise_pink_6s":
            left, right = pink_noise(six, -40.0, 7), pink_noise(six, -40.0, 8)
            stereo = array.array("h", bytes(4 * six))
            stereo[0::2], stereo[1::2] = left, right
        else:
            stereo = interleave(mono, CHANNELS)
        write(f"{folder}/{stem}.wav", wav_bytes(stereo, RATE, CHANNELS))
        write(f"{tmp}/{stem}.s16", stereo.tobytes())
        encode_m4a(f"{tmp}/{stem}.s16", f"{folder}/{stem}.m4a")
        listed.append((stem, [f"{stem}.wav", f"{stem}.m4a"], ms, description, text))
    fragment0 = f"{out}/program/frag_000.s16"
    encode_m4a(fragment0, f"{folder}/program6s_faststart.m4a", extra=["-movflags", "+faststart"])
    with open(f"{folder}/program6s_fragmented.m4a", "wb") as piped:
        run(FFMPEG + ["-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS), "-i", fragment0] + AAC + BITEXACT +
            ["-f", "mp4", "-movflags", "+empty_moov+frag_keyframe+default_base_moof", "pipe:1"], stdout=piped)
    listed.append(("program6s_faststart", ["program6s_faststart.m4a"], 6000,
                   "program/frag_000 audio, MP4 with moov before mdat (+faststart)",
                   "see program/manifest.json fragment 0"))
    listed.append(("program6s_fragmented", ["program6s_fragmented.m4a"], 6000,
                   "program/frag_000 audio, fragmented MP4 (empty_moov+moof), as FFmpeg writes to a pipe; no edit "
                   "list, so the 1024-frame encoder priming is not trimmed", "see program/manifest.json fragment 0"))
    write_json(f"{folder}/edge.json", {"sample_rate_hz": RATE, "channels": CHANNELS, "items": [
        {"stem": stem, "files": files, "duration_ms": ms, "description": description, "text": text,
         "sha256": {name: sha256(f"{folder}/{name}") for name in files}}
        for stem, files, ms, description, text in listed]})


def make_thank_you(tmp):
    wav = f"{tmp}/thankyou.wav"
    run(FFMPEG + ["-i", f"{ALLISON}/auth-thankyou.g722", "-c:a", "pcm_s16le"] + BITEXACT[:4] + [wav])
    return broadcast_voice(wav, tmp)[0]


# -- bad/ --------------------------------------------------------------------------------

BAD_README = """# bad/ - malformed inputs for error tests

Send each as a fragment (base64 of the file, or the text itself for `invalid_base64.txt`)
with a normal 48000 Hz / 2-channel declaration. docs/protocol.md answers malformed
payloads, bad base64 and audio that cannot be decoded in the declared format with
`INVALID_FRAGMENT`; whatever the answer, the server must not crash, hang or leak.

- `zero_bytes.m4a`, `zero_bytes.wav`: empty files.
- `random_bytes.m4a`: 48 KiB of seeded random bytes (seed 13), no container at all.
- `truncated_30pct.m4a`: the first 30 % of program/frag_000.m4a (moov at the end), so no moov box.
- `truncated_30pct_faststart.m4a`: the first 30 % of edge/program6s_faststart.m4a: moov complete, mdat cut.
- `corrupt_fmt.wav`: 1 s of speech whose fmt chunk says format 0x1234, 0 channels, 0 Hz, 0 bits.
- `corrupt_magic.wav`: the same audio with `RIFX`, size 0xffffffff, `WAVX` over the first 12 bytes.
- `odd_length.s16`: 1 s of 48 kHz stereo pcm_s16le plus one stray byte.
- `rate_mismatch_44100_mono.m4a`: a valid M4A of the programme's first 6 s, but 44.1 kHz mono.
- `wav_named.m4a`: a valid 1 s 48 kHz stereo WAV named .m4a.
- `text_named.wav`: a one-line ASCII text file named .wav.
- `invalid_base64.txt`: base64 of 0.25 s of 48 kHz stereo pcm_s16le with `!@#$%^~` written over it.
"""


def make_bad(out, program, tmp):
    import base64
    folder = f"{out}/bad"
    os.makedirs(folder)
    write(f"{folder}/README.md", BAD_README)
    write(f"{folder}/zero_bytes.m4a", b"")
    write(f"{folder}/zero_bytes.wav", b"")
    write(f"{folder}/random_bytes.m4a", random.Random(13).randbytes(48 * 1024))
    for name, source in [("truncated_30pct.m4a", f"{out}/program/frag_000.m4a"),
                         ("truncated_30pct_faststart.m4a", f"{out}/edge/program6s_faststart.m4a")]:
        with open(source, "rb") as f:
            whole = f.read()
        write(f"{folder}/{name}", whole[:len(whole) * 30 // 100])
    # One second from the middle of the first sentence, so that the audio is speech.
    second = program[RATE * CHANNELS:2 * RATE * CHANNELS]
    good = wav_bytes(second, RATE, CHANNELS)
    write(f"{folder}/wav_named.m4a", good)
    write(f"{folder}/corrupt_fmt.wav", good[:20] + struct.pack("<HHIIHH", 0x1234, 0, 0, 0, 0, 0) + good[36:])
    write(f"{folder}/corrupt_magic.wav", b"RIFX" + struct.pack("<I", 0xFFFFFFFF) + b"WAVX" + good[12:])
    write(f"{folder}/odd_length.s16", second.tobytes() + b"\x00")
    write(f"{folder}/text_named.wav", b"This is a text file, not audio: it only has a .wav name.\n")
    six_s = program[:FRAGMENT_MS * RATE // 1000 * CHANNELS]
    write(f"{tmp}/six.s16", six_s.tobytes())
    run(FFMPEG + ["-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS), "-i", f"{tmp}/six.s16", "-ar", "44100",
                  "-ac", "1"] + AAC + BITEXACT + ["-f", "mp4", f"{folder}/rate_mismatch_44100_mono.m4a"])
    quarter = bytearray(base64.b64encode(program[:RATE // 4 * CHANNELS].tobytes()))
    for i, c in enumerate(b"!@#$%^~"):
        quarter[1000 + i * 9000] = c
    write(f"{folder}/invalid_base64.txt", bytes(quarter))


# -- baselines/ and licences -------------------------------------------------------------

def make_mt_baseline(out, pairs):
    """apertium's output for every pair: what bench/mt_bleu.py and the accuracy test compare with."""
    started = time.monotonic()
    english = "\n\n".join(en for _, en, _ in pairs) + "\n"
    translated = run(["apertium", "-u", "eng-spa"], input=english, capture_output=True, text=True).stdout
    spanish = [" ".join(block.split()) for block in translated.strip().split("\n\n")]
    if len(spanish) != len(pairs):
        raise SystemExit(f"apertium returned {len(spanish)} sentences for {len(pairs)}")
    rows = ["id\tenglish\tspanish_reference\tapertium"]
    rows += [f"{key}\t{en}\t{es}\t{ap}" for (key, en, es), ap in zip(pairs, spanish)]
    write(f"{out}/baselines/mt_apertium.tsv", "\n".join(rows) + "\n")
    return {"engine": "apertium -u eng-spa", "pairs": len(pairs), "seconds": round(time.monotonic() - started, 2)}


def make_asr_baseline(out, utterances):
    """pocketsphinx en-us on every utterance, scored by sclite against refs.trn."""
    decoder = pocketsphinx_decoder(grammar_only=False)
    started = time.monotonic()
    lines = []
    for uttid in utterances:
        with open(f"{out}/speech/en/{uttid}.wav", "rb") as f:
            pcm = f.read()[44:]
        decoder.start_utt()
        decoder.process_raw(pcm, False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        lines.append(f"{reference_words((hyp.hypstr if hyp else '').replace('.', ''))} ({uttid})")
    seconds = time.monotonic() - started
    trn = f"{out}/baselines/asr_pocketsphinx.trn"
    write(trn, "\n".join(lines) + "\n")
    summary = run([SCLITE, "-r", f"{out}/speech/en/refs.trn", "trn", "-h", trn, "trn", "-i", "wsj", "-o", "sum",
                   "stdout"], capture_output=True, text=True).stdout
    write(f"{out}/baselines/asr_sclite_sum.txt", summary)
    wer = re.search(r"Sum/Avg\s*\|\s*\d+\s+\d+\s*\|(?:\s*[\d.]+){4}\s+([\d.]+)", summary)
    return {"engine": "pocketsphinx en-us (python3-pocketsphinx)", "utterances": len(lines),
            "wer_percent": float(wer.group(1)) if wer else None, "decode_seconds": round(seconds, 2)}


def copy_licences(out):
    os.makedirs(f"{out}/licenses")
    shutil.copyfile("/usr/share/doc/pocketsphinx-testdata/copyright", f"{out}/licenses/pocketsphinx-testdata.copyright")
    shutil.copyfile("/usr/share/doc/asterisk-core-sounds-en/copyright",
                    f"{out}/licenses/asterisk-core-sounds-en.copyright")


def package_versions():
    versions = {}
    for package in PACKAGES:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
        versions[package] = result.stdout if result.returncode == 0 else "missing"
    return versions


def compare(ours, theirs):
    """How a build differs from another copy: which files are byte-identical, and for
    the rest, whether they mean the same (samples within 1 LSB, equal manifests but for
    checksums and AAC sizes)."""
    def listing(root):
        return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}
    shared = sorted(listing(ours) & listing(theirs))
    differ = [f for f in shared if sha256(f"{ours}/{f}") != sha256(f"{theirs}/{f}")]
    print(f"{len(shared) - len(differ)} of {len(shared)} files in both are byte-identical")
    only = sorted(listing(theirs) - listing(ours))
    if only:
        print(f"only in {theirs}: " + " ".join(only))
    for name in [f for f in differ if f.endswith(".wav") and f.startswith("program/")]:
        a, b = read_wav_samples(f"{ours}/{name}"), read_wav_samples(f"{theirs}/{name}")
        worst = max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) else None
        print(f"{name}: {len(a)} vs {len(b)} samples, largest difference {worst} LSB, "
              f"{sum(x != y for x, y in zip(a, b))} samples differ")

    def meaning(path):
        with open(path) as f:
            manifest = json.load(f)
        manifest.pop("description", None)
        for entry in manifest["program"].values():
            entry.pop("sha256")
        for fragment in manifest["fragments"]:
            for entry in fragment["files"].values():
                entry.pop("sha256")
                if entry["file"].endswith((".m4a", ".aac")):
                    entry.pop("bytes")
        return manifest
    same = meaning(f"{ours}/program/manifest.json") == meaning(f"{theirs}/program/manifest.json")
    print("program/manifest.json: " + ("the same but for checksums and AAC sizes" if same else "DIFFERENT"))
    return 0 if same else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", help="folder to create (must not exist)")
    parser.add_argument("--asr-baseline", action="store_true",
                        help="also decode every utterance with pocketsphinx and score it (about a minute)")
    parser.add_argument("--versions", action="store_true", help="print the versions of the packages used")
    parser.add_argument("--compare", nargs=2, metavar=("OURS", "THEIRS"), help="cross-check two builds")
    args = parser.parse_args()
    if args.versions:
        print("\n".join(f"{p} {v}" for p, v in package_versions().items()))
        return 0
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("name the folder to build")
    missing = [p for p, v in package_versions().items() if v == "missing"]
    if missing:
        raise SystemExit("test-data: missing Debian packages: " + " ".join(missing) + " (run scripts/setup.sh)")
    out = args.out
    os.makedirs(out)
    with tempfile.TemporaryDirectory() as tmp:
        utterances = make_speech(out)
        program = make_program(out, utterances, tmp)
        pairs = make_mt(out)
        make_edge(out, utterances, tmp)
        make_bad(out, program, tmp)
        copy_licences(out)
        results = {"packages": package_versions(), "mt": make_mt_baseline(out, pairs)}
        if args.asr_baseline:
            results["asr"] = make_asr_baseline(out, utterances)
        write_json(f"{out}/baselines/results.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
