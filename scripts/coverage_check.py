#!/usr/bin/python3
"""Checks gcovr's JSON summary against the coverage the project promises: at least
80 % of src/'s lines, and 95 % of each pipeline stage's (ASR, translation, TTS,
duration matching). Prints one line per group; exits 1 when one falls short.

    /usr/bin/python3 scripts/coverage_check.py build/coverage/coverage/summary.json
"""
import json
import sys

# (name, path prefixes, minimum line coverage in %)
GROUPS = [
    ("src", ["src/"], 80.0),
    ("asr", ["src/asr/"], 95.0),
    ("translation", ["src/translation/"], 95.0),
    ("tts", ["src/tts/"], 95.0),
    ("duration matching", ["src/pipeline/duration.", "src/audio/stretch."], 95.0),
]


def main(path):
    with open(path) as f:
        files = json.load(f)["files"]
    failed = False
    for name, prefixes, minimum in GROUPS:
        chosen = [f for f in files if any(f["filename"].startswith(p) for p in prefixes)]
        covered = sum(f["line_covered"] for f in chosen)
        total = sum(f["line_total"] for f in chosen)
        percent = 100.0 * covered / total if total else 0.0
        short = percent < minimum
        failed |= short
        print(f"coverage {name}: {percent:.1f} % of {total} lines (minimum {minimum:.0f} %)"
              f"{'  <-- SHORT' if short else ''}")
        if short:
            for f in sorted(chosen, key=lambda f: f["line_percent"]):
                if f["line_percent"] < minimum:
                    print(f"    {f['filename']}: {f['line_percent']:.1f} % ({f['line_total'] - f['line_covered']} lines uncovered)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
