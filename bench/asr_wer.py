#!/usr/bin/python3
"""ASR accuracy: transcribes every clip of test-data/speech/en with the server's
engine (tools/asr-transcribe) and scores the word error rate with sclite (Debian
sctk) against refs.trn, exactly as scripts/test_data.py scored its baseline.

    /usr/bin/python3 bench/asr_wer.py [--transcriber PATH] [--engine pocketsphinx]
                                      [--model PATH] [--hint DOMAIN] [--max-wer 24.8]

With --max-wer it is a test: exit status 1 when the WER is above it.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("STS_DATA_DIR", os.path.join(ROOT, "test-data"))
SCLITE = "/usr/lib/sctk/bin/sclite"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transcriber", default=os.path.join(ROOT, "build/release/tools/asr-transcribe/sts-asr-transcribe"))
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--model")
    parser.add_argument("--hint", help="a domain hint, with the word lists in share/asr/domains")
    parser.add_argument("--max-wer", type=float)
    args = parser.parse_args()

    speech = os.path.join(DATA, "speech", "en")
    clips = sorted(glob.glob(os.path.join(speech, "*.wav")))
    command = [args.transcriber, "--engine", args.engine] + (["--model", args.model] if args.model else [])
    if args.hint:
        command += ["--domains", os.path.join(ROOT, "share", "asr", "domains"), "--hint", args.hint]
    command += clips
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"transcriber failed: {done.stderr}")
    with tempfile.TemporaryDirectory() as work:
        hypotheses = os.path.join(work, "hyp.trn")
        with open(hypotheses, "w") as f:
            f.write(done.stdout)
        scored = subprocess.run([SCLITE, "-r", os.path.join(speech, "refs.trn"), "trn", "-h", hypotheses, "trn",
                                 "-i", "wsj", "-o", "sum", "stdout"], capture_output=True, text=True, check=True)
    total = next(line for line in scored.stdout.splitlines() if "Sum/Avg" in line)
    # | Sum/Avg|   32    428 | 81.1   16.6    2.3    5.6   24.5   87.5 |
    numbers = re.findall(r"[\d.]+", total)
    utterances, words, wer = int(numbers[0]), int(numbers[1]), float(numbers[6])
    hinted = f" with domain hint {args.hint}" if args.hint else ""
    print(f"ASR {args.engine}{hinted}: WER {wer:.1f} % over {utterances} utterances, {words} words (sclite)")
    print(f"  {done.stderr.strip()}")
    if args.max_wer is not None and wer > args.max_wer:
        sys.exit(f"WER {wer:.1f} % is above the limit {args.max_wer:.1f} %")


if __name__ == "__main__":
    main()
