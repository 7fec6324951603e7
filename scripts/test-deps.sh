#!/bin/sh
# System packages the test suite runs for real: PostgreSQL (the store's server) and Chromium (the review page).
# Idempotent: installs what is missing with apt-get when run as root where apt exists; otherwise prints
# what is missing and exits 0 (the tests that need it then skip, saying why).
PACKAGES="postgresql chromium"

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null \
        || echo "test-deps: apt-get could not install$missing; the tests that need them will skip" >&2
else
    echo "test-deps: missing$missing (install them with your package manager, e.g. apt-get install$missing);" \
         "the tests that need them will skip" >&2
fi
exit 0
