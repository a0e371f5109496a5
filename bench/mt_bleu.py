#!/usr/bin/python3
"""MT quality and speed: translates the English side of test-data/mt/en-es.tsv
with the server's translator (tools/translate), one request per sentence, and
scores corpus BLEU exactly as scripts/test_data.py scored its baseline (nltk
corpus_bleu, 4-gram, lower-cased, tokens \\w+|[^\\w\\s]). Then times the translation
of each 6 s programme fragment's text (the words inside it, as ASR hands them on).

    /usr/bin/python3 bench/mt_bleu.py [--translator PATH] [--engine apertium] [--check]

With --check it is a test: exit status 1 when BLEU is below the baseline's, scored
the same way from test-data/baselines/mt_apertium.tsv (15.85 rounded).
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys

from nltk.translate.bleu_score import corpus_bleu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("STS_DATA_DIR", os.path.join(ROOT, "test-data"))
TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text):
    return TOKEN.findall(text.lower())


def run(translator, engine, lines, repeat=1):
    done = subprocess.run([translator, "--engine", engine, "--repeat", str(repeat)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"translator failed: {done.stderr}")
    return done.stdout.splitlines(), done.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--translator", default=os.path.join(ROOT, "build/release/tools/translate/sts-translate"))
    parser.add_argument("--engine", default="apertium")
    parser.add_argument("--check", action="store_true", help="fail when worse than the baseline")
    args = parser.parse_args()

    with open(os.path.join(DATA, "mt", "en-es.tsv"), newline="") as f:
        pairs = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    hypotheses, timing = run(args.translator, args.engine, [p["english"] for p in pairs])
    if len(hypotheses) != len(pairs):
        sys.exit(f"{len(hypotheses)} translations for {len(pairs)} sentences")
    references = [[tokens(p["spanish"])] for p in pairs]
    bleu = 100 * corpus_bleu(references, [tokens(h) for h in hypotheses])
    with open(os.path.join(DATA, "baselines", "mt_apertium.tsv"), newline="") as f:
        baseline_outputs = [row["apertium"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    baseline = 100 * corpus_bleu(references, [tokens(b) for b in baseline_outputs])
    print(f"MT {args.engine}: corpus BLEU {bleu:.2f} on {len(pairs)} en-es pairs (baseline {baseline:.2f}); "
          f"per sentence: {timing}")

    with open(os.path.join(DATA, "program", "manifest.json")) as f:
        fragments = json.load(f)["fragments"]
    texts = [f["ref_words_inside"] for f in fragments if f["duration_ms"] == 6000]
    texts = [t if isinstance(t, str) else " ".join(t) for t in texts]
    _, timing = run(args.translator, args.engine, texts, repeat=5)
    print(f"MT {args.engine}: per 6 s programme fragment's text, warm, {len(texts)} fragments x 5: {timing}")
    if args.check and bleu < baseline - 1e-9:
        sys.exit(f"BLEU {bleu:.4f} is below the baseline's {baseline:.4f}")


if __name__ == "__main__":
    main()
