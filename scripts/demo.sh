#!/bin/sh
# demo.sh: what `make run` does: a fresh copy of examples/repo under build/demo/, a short tour
# of the command line on it (a signing key made and the images signed), then `fwhub serve`
# on 127.0.0.1:8080 (FWHUB_DEMO_LISTEN) with signed answers, the portal and the admin pages
# (a token made for the demo, printed), until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
FWHUB=${FWHUB:-build/fwhub}
LISTEN=${FWHUB_DEMO_LISTEN:-127.0.0.1:8080}
REPO=build/demo/repo
rm -rf "$REPO"
mkdir -p "$REPO"
cp -R examples/repo/. "$REPO"

# step ARGS...: shows the command, runs it on the copy, and shows a failing status.
step() {
    printf '\n$ fwhub %s\n' "$*"
    rc=0
    "$FWHUB" --repo "$REPO" "$@" || rc=$?
    [ "$rc" -eq 0 ] || printf '(exit status %s)\n' "$rc"
}

echo "fwhub demo on $REPO (a copy of examples/repo)"
step release list
step target list --all
step validate --check-expiry

# the admin pages and API: a token made for this demo (mode 0600, as fwhub requires)
DEMO=build/demo
ADMIN_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && printf 'demo %s\n' "$ADMIN_TOKEN" >"$DEMO/admin-tokens")
# signed answers and images: a key made for this demo
rm -rf "$DEMO/keys"
step keygen --out "$DEMO/keys" --repo "$REPO"
step sign --key "$DEMO/keys/private.pem"

cat <<EOT

Starting fwhub serve on http://$LISTEN — try, in another terminal:
  curl 'http://$LISTEN/api/v1/devices/AB:CD:EF:12:34:56/update?model=EVSEPARKER_V2_GEN2&version=10.2.0'
  curl 'http://$LISTEN/api/v1/devices/30-ae-a4-07-0d-64/update?model=EVSEPARKER_V2_GEN2&version=10.1.0'
  curl 'http://$LISTEN/manifest.json'
  curl 'http://$LISTEN/metrics'
The customer portal: http://$LISTEN/ (MAC AB:CD:EF:12:34:56, serial EVSE-2024-001234)
The admin pages: http://$LISTEN/admin (token $ADMIN_TOKEN)
  curl -H 'Authorization: Bearer $ADMIN_TOKEN' 'http://$LISTEN/api/v1/admin/report'
Ctrl-C stops it.
EOT
exec "$FWHUB" serve --repo "$REPO" --listen "$LISTEN" --admin-token-file "$DEMO/admin-tokens" \
    --signing-key "$DEMO/keys/private.pem"
