#!/bin/sh
# The browser tests drive Debian's Chromium through playwright-core (nothing is downloaded). Finds it, or
# installs it with a CJK font (the screens are Chinese) when running as root on a Debian-like system, as CI
# does; otherwise says exactly what to install.
set -eu
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Chromium and a CJK font for the browser tests (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
    [ -x "$chromium" ] && exit 0
fi
echo "The browser tests need Chromium at $chromium." >&2
echo "Install it first: sudo apt-get install chromium fonts-noto-cjk (or set CHROMIUM to a Chromium binary)." >&2
exit 1
