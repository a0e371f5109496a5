#!/usr/bin/env bash
# Makes every test input of sts-service from Debian packages (scripts/test_data.py says
# how) into test-data/, which git ignores. Tests and benches read it from there.
#
#   scripts/test-data.sh            build test-data/ when it is missing or stale
#   scripts/test-data.sh --check    rebuild into a temporary folder; fail unless it
#                                   matches scripts/test-data.sha256 byte for byte
#   scripts/test-data.sh --update   rebuild test-data/ and rewrite the committed sums
#                                   and package versions (after changing the recipe)
#   scripts/test-data.sh --compare DIR
#                                   cross-check test-data/ against another copy (the
#                                   steering repository's shared/data, say)
#
# The sums hold for the package versions in scripts/test-data.versions. A Debian update
# of one of them (FFmpeg's AAC encoder, SoX's resampler) can change bytes without
# changing what the data means: the build then warns and names the packages, and only
# --check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

data=test-data
sums=scripts/test-data.sha256
versions=scripts/test-data.versions
python=/usr/bin/python3

# The stamp names what a build was made from, so an unchanged checkout skips the
# 20 s rebuild after checking the files against the sums it wrote.
stamp_of() {
  { sha256sum scripts/test_data.py "$sums"; "$python" scripts/test_data.py --versions; } | sha256sum | cut -d' ' -f1
}

sums_of() {  # every file a build writes, less the timings
  (cd "$1" && find . -type f ! -name results.json ! -name .stamp ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort |
    xargs -d '\n' sha256sum)
}

build_into() {
  rm -rf "$1"
  "$python" scripts/test_data.py "$1"
  sums_of "$1" > "$1/SHA256SUMS"
}

report_versions() {
  local now
  now=$("$python" scripts/test_data.py --versions)
  if [[ "$now" != "$(cat "$versions")" ]]; then
    echo "test-data: these packages differ from the versions the sums were made with:" >&2
    diff <(cat "$versions") <(echo "$now") | grep '^[<>]' | sed 's/^/  /' >&2 || true
  fi
}

case "${1:-}" in
  --check)
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    build_into "$scratch/data"
    if ! diff <(cat "$sums") "$scratch/data/SHA256SUMS"; then
      report_versions
      echo "test-data --check: the rebuild differs from $sums" >&2
      exit 1
    fi
    echo "test-data --check: $(wc -l < "$sums") files rebuilt, identical to $sums"
    ;;
  --update)
    build_into "$data.new"
    rm -rf "$data" && mv "$data.new" "$data"
    cp "$data/SHA256SUMS" "$sums"
    "$python" scripts/test_data.py --versions > "$versions"
    stamp_of > "$data/.stamp"
    echo "test-data: rebuilt, $sums and $versions rewritten"
    ;;
  --compare)
    other=${2:?usage: scripts/test-data.sh --compare DIR}
    "$python" scripts/test_data.py --compare "$data" "$other"
    ;;
  "")
    if [[ -f "$data/.stamp" && "$(cat "$data/.stamp")" == "$(stamp_of)" ]] &&
       (cd "$data" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1); then
      exit 0
    fi
    echo "test-data: building $data/ from Debian packages"
    build_into "$data.new"
    rm -rf "$data" && mv "$data.new" "$data"
    stamp_of > "$data/.stamp"
    if ! cmp -s "$sums" "$data/SHA256SUMS"; then
      report_versions
      echo "test-data: warning: $data/ differs from $sums; scripts/test-data.sh --check shows how" >&2
    fi
    ;;
  *)
    sed -n '2,17p' "$0" >&2
    exit 2
    ;;
esac
