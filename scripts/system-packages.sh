#!/usr/bin/env bash
# The Debian packages the tests need: Chromium (browser tests), poppler-utils (pdftotext,
# pdftoppm), libharfbuzz-subset0 (faster PDF rendering), fonts, gettext (the test that
# every source string has its Dutch translation), redis-server (the rate limits on Redis),
# nginx (the two-servers test, tests/deploy, runs deploy/nginx/wijkaanpak.conf) and wrk
# (`make bench`).
#   --check    say what is missing and the one command that installs it
#   --install  install what is missing when running as root, else as --check
set -euo pipefail
packages=(chromium poppler-utils libharfbuzz-subset0 fonts-dejavu-core gettext redis-server nginx wrk)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update && apt-get install -y ${missing[*]}"
if [ "${1:-}" = "--install" ] && [ "$(id -u)" = "0" ]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "Missing system packages for the browser and PDF tests: ${missing[*]}"
    echo "Install them with: sudo sh -c '$command'"
fi
