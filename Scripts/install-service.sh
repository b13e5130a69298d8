#!/usr/bin/env bash
# Installs mmsearch for the current user as a service: the release binary in ~/.local/bin, the
# shell completions (bash, zsh, fish) and the man pages generated from the argument parser, and
# a systemd user unit that runs `mmsearch serve FOLDER --watch` (default ~/Pictures).
#
#   Scripts/install-service.sh                 # ~/Pictures
#   Scripts/install-service.sh ~/Photos        # another folder
#   NO_SYSTEMD=1 Scripts/install-service.sh    # binary, completions and man pages only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FOLDER="$(cd "${1:-$HOME/Pictures}" && pwd)"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

SKIP_BUILD=1 "$ROOT/Scripts/setup.sh"
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
say "building mmsearch (release)"
(cd "$ROOT" && swift build -c release --product mmsearch)
BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)"

BIN_DIR="$HOME/.local/bin"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$BIN_DIR" "$DATA/bash-completion/completions" "$DATA/zsh/site-functions" \
         "$HOME/.config/fish/completions" "$DATA/man/man1"
install -m 755 "$BIN/mmsearch" "$BIN_DIR/mmsearch"
# The resources the binary reads (word lists, the pack table) live beside it.
for bundle in "$BIN"/*.resources; do
    [ -d "$bundle" ] && rm -rf "$BIN_DIR/$(basename "$bundle")" && cp -R "$bundle" "$BIN_DIR/"
done
say "completions and man pages"
"$BIN_DIR/mmsearch" --generate-completion-script bash > "$DATA/bash-completion/completions/mmsearch"
"$BIN_DIR/mmsearch" --generate-completion-script zsh > "$DATA/zsh/site-functions/_mmsearch"
"$BIN_DIR/mmsearch" --generate-completion-script fish > "$HOME/.config/fish/completions/mmsearch.fish"
install -m 644 "$ROOT"/docs/man/*.1 "$DATA/man/man1/"

if [ -n "${NO_SYSTEMD:-}" ] || ! command -v systemctl >/dev/null; then
    say "installed $BIN_DIR/mmsearch (no systemd unit)"
    exit 0
fi
UNIT="$HOME/.config/systemd/user/mmsearch.service"
mkdir -p "$(dirname "$UNIT")"
sed -e "s|^ExecStart=.*|ExecStart=$BIN_DIR/mmsearch serve $FOLDER --watch|" "$ROOT/docs/service/mmsearch.service" > "$UNIT"
say "systemd user unit $UNIT (serving $FOLDER)"
if systemctl --user daemon-reload 2>/dev/null; then
    systemctl --user enable --now mmsearch
    echo "mmsearch is running: open http://127.0.0.1:7878/ (log: journalctl --user -u mmsearch -f)"
else
    echo "no user systemd session here: start it with \`systemctl --user enable --now mmsearch\` after logging in"
fi
