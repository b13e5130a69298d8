#!/usr/bin/env bash
# Writes the man pages in docs/man from the argument parser (swift-argument-parser's
# generate-manual plugin): one page per command (`man mmsearch.serve` once installed). Run it after
# changing a command's help; Scripts/install-service.sh installs the pages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
rm -rf docs/man && mkdir -p docs/man
swift package --scratch-path .build-man --allow-writing-to-directory docs/man \
    generate-manual --multi-page --output-directory docs/man --authors "the mmsearch developers" --section 1
ls docs/man
