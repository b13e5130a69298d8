#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine for mmsearch: installs the C libraries the build links
# (only those missing), checks the Swift toolchain, fetches the `lite` model pack and builds in
# release mode. Idempotent: a second run only checks.
#
#   Scripts/setup.sh            # everything
#   SKIP_BUILD=1 Scripts/setup.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# 1. System packages.
# The example video plugin (Plugins/Examples/VideoFrames) builds with make and a C compiler
# against FFmpeg's libraries; its tests make their videos with the ffmpeg command line.
# Spoken-content search links pocketsphinx and loads its English model; the speech fixtures
# (Scripts/fixtures/make_speech_fixtures.sh) are made with espeak-ng and pocketsphinx-testdata.
# Photos' EXIF (date taken, camera, position) is read with libexif.
# `mmsearch query --preview` draws pictures in sixel terminals through libsixel.
# The hostile-input tests read a run's peak memory with GNU time. The web page is tested in
# Chromium driven by Selenium; the API against its OpenAPI document by schemathesis (in a venv).
PACKAGES=(pkg-config libjpeg-dev libpng-dev libopenblas-dev libsqlite3-dev libsndfile1-dev
          libsamplerate0-dev python3 python3-pip python3-venv curl ca-certificates
          make gcc libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
          libpocketsphinx-dev pocketsphinx-en-us pocketsphinx-testdata espeak-ng time libexif-dev
          libsixel-dev
          # text inside images (OCR): Tesseract's C API and its English model; fonts and
          # Pillow for Scripts/fixtures/make_ocr_fixtures.py
          libtesseract-dev tesseract-ocr-eng fonts-dejavu-core fonts-liberation2 python3-pil
          chromium chromium-driver python3-selenium)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL 15 with pgvector (built from Debian's own source package) and postgres_fdw, for
# the PostgreSQL store (`--store postgres://…`) and its tests.
"$ROOT/Scripts/setup-postgres.sh" install

# 2. Swift toolchain (not packaged by Debian: see https://www.swift.org/install/linux/).
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
if ! command -v swift >/dev/null; then
    echo "setup: no Swift toolchain on PATH. Install Swift 6 from https://www.swift.org/install/linux/ and re-run." >&2
    exit 1
fi

# 3. Model weights (the offline default pack).
"$ROOT/Scripts/fetch/models.py" lite

# 4. Release build.
if [ -z "${SKIP_BUILD:-}" ]; then
    say "building mmsearch (release)"
    swift build -c release --product mmsearch
fi
