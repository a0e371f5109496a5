#!/usr/bin/env bash
# Installs everything sts-service needs to build, run and test on Debian 12, from
# Debian's archive and the npm registry only. Idempotent: it asks apt for nothing when
# every package is already there, and reinstalls node_modules only when the lock file
# changed. Debian's archive is signed and checksummed; npm packages are pinned by
# version and sha512 integrity in package-lock.json (npm ci refuses a mismatch).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  # toolchain and build
  g++ clang-14 libclang-rt-14-dev clang-format-14 cmake ninja-build ccache pkgconf
  # libraries
  libboost1.81-dev nlohmann-json3-dev libsimdjson-dev libexpected-dev libspdlog-dev libfmt-dev
  # audio: FFmpeg's codec libraries and rubberband
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev librubberband-dev
  # ASR: pocketsphinx with its en-us model (the embedded default), sclite for WER
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us sctk
  # MT: apertium with the English-Spanish pair (the offline default), nltk for BLEU
  apertium apertium-eng-spa python3-nltk
  # TTS: espeak-ng (the offline default)
  libespeak-ng-dev espeak-ng-data
  # translation: DeepL over HTTPS
  libcurl4-openssl-dev
  # C++ tests and benchmarks
  libgtest-dev libbenchmark-dev
  # Python peers for tests: Debian's interpreter and its packages
  python3 python3-socketio python3-engineio python3-aiohttp python3-pytest python3-websockets
  # a real Prometheus text parser for the /metrics contract test
  python3-prometheus-client
  # line coverage for scripts/coverage.sh
  gcovr
  # browser tests (tests/e2e/browser): playwright-core drives Debian's Chromium, so no
  # browser is downloaded from outside the archive
  chromium
  # e2e tests: ffprobe measures what sts-dub wrote and ffmpeg makes a video input, an
  # independent reader and writer rather than our own code checking itself
  ffmpeg
  # test data (scripts/test-data.sh): recorded speech with transcripts, prompt texts in
  # two languages, and the tools that cut, resample and align them
  pocketsphinx-testdata asterisk-core-sounds-en-g722 asterisk-core-sounds-en-wav
  asterisk-core-sounds-en asterisk-core-sounds-es sox python3-pocketsphinx
)
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs npm)

missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules was not installed from this very lock file. No package
# runs install scripts: none of ours needs one, and nodejs-whisper (whose whisper.cpp
# tree CMake builds) must never compile or download models at install time.
lock_sum=$(sha256sum < package-lock.json)
if [[ ! -f node_modules/.lock-stamp || "$(cat node_modules/.lock-stamp)" != "$lock_sum" ]]; then
  echo "setup: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.lock-stamp
fi

# The whisper ASR engine builds the whisper.cpp inside nodejs-whisper: check that it is
# the version cmake/Whisper.cmake and src/asr were written against.
whisper_version=1.9.1
whisper_cmake=node_modules/nodejs-whisper/cpp/whisper.cpp/CMakeLists.txt
if ! grep -Eq "^project\(\"whisper\.cpp\" VERSION ${whisper_version//./\\.}\)" "$whisper_cmake" 2>/dev/null; then
  echo "setup: $whisper_cmake does not declare whisper.cpp $whisper_version; was nodejs-whisper changed?" >&2
  exit 1
fi

# The test inputs, made from the packages above when missing or stale.
scripts/test-data.sh
