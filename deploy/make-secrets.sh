#!/bin/sh
# Makes the secret files that deploy/compose.yaml hands to its containers (compose `secrets:`),
# each mode 0600 in a folder of mode 0700. Never overwrites a file that exists: the id key and
# the checkpoint key must outlive every release (see deploy/README.md, "Secrets").
#
#   deploy/make-secrets.sh [--no-chown] [DIR]     (DIR defaults to deploy/secrets)
#
# Compose gives a file secret to a container by bind-mounting the file as it is: its owner and
# mode inside are those on the host (compose ignores `uid`/`gid`/`mode` outside Swarm). So each
# file is handed to the numeric user that reads it inside its container (with sudo when not run
# as root); files read only by root inside a container keep the caller as owner. --no-chown
# leaves every file to the caller (for checking the files, or under rootless Docker, where
# uids inside are mapped; see deploy/README.md).
#
# The TLS certificate is self-signed, for trying the stack: put the LA's certificate and key in
# tls.crt and tls.key instead (PEM).
set -eu

chown_files=1
if [ "${1:-}" = "--no-chown" ]; then
    chown_files=0
    shift
fi
dir=${1:-$(dirname "$0")/secrets}
# The host name the self-signed certificate is made for.
tls_name=${PATHWAYS_TLS_NAME:-localhost}

# Numeric users inside the images (uid:gid): the service's own image (deploy/Dockerfile),
# temporalio/server and temporalio/admin-tools (alpine user `temporal`), grafana/grafana.
PATHWAYS_USER=10001:10001
TEMPORAL_USER=1000:1000
GRAFANA_USER=472:0

command -v openssl >/dev/null || { echo "make-secrets.sh: openssl is needed" >&2; exit 1; }
umask 077
mkdir -p "$dir"
chmod 0700 "$dir"

# new NAME COMMAND...: runs COMMAND with its output going to DIR/NAME, unless NAME exists.
new() {
    name=$1
    shift
    if [ -e "$dir/$name" ]; then
        echo "kept    $dir/$name"
        return
    fi
    "$@" > "$dir/$name.tmp"
    chmod 0600 "$dir/$name.tmp"
    mv "$dir/$name.tmp" "$dir/$name"
    echo "made    $dir/$name"
}
# 32 random bytes as 64 hex characters, with no newline: a password needs no quoting anywhere,
# and every reader (the app's *_FILE settings, the postgres image, Grafana) takes the file whole.
hex32() { openssl rand -hex 32 | tr -d '\n'; }

new postgres_password hex32
new temporal_db_password hex32
new pathways_owner_db_password hex32
new pathways_service_db_password hex32
new grafana_admin_password hex32
# Keys the journey workflow ids: 64 hex characters. Never change it once journeys exist.
new pathways_id_key hex32
# Signs the event log's checkpoints (Ed25519, PEM). Keep it: checkpoints signed with a lost key
# can no longer be told from forgeries.
new pathways_checkpoint_key openssl genpkey -algorithm ed25519
# Seals Temporal payloads and webhook secrets: a key ring with one key (pathways keys rotate
# prints a rotated ring to put here). Keep every key that sealed something still kept.
ring() { printf '{"current": "k1", "keys": {"k1": "%s"}}' "$(hex32)"; }
new pathways_sealing_keys ring
if [ ! -e "$dir/tls.key" ] || [ ! -e "$dir/tls.crt" ]; then
    rm -f "$dir/tls.key" "$dir/tls.crt"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
        -subj "/CN=$tls_name" -addext "subjectAltName=DNS:$tls_name" \
        -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
    chmod 0600 "$dir/tls.key" "$dir/tls.crt"
    echo "made    $dir/tls.crt and $dir/tls.key (self-signed for $tls_name)"
else
    echo "kept    $dir/tls.crt and $dir/tls.key"
fi

[ "$chown_files" = 1 ] || exit 0

# The owners inside the containers. postgres_password is read by the postgres image's entrypoint
# and the db-init job, and tls.* by nginx's master process: all root, so they stay as they are.
sudo=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then
        sudo=sudo
    else
        echo "make-secrets.sh: not root and no sudo: chown these files as deploy/README.md says" >&2
        exit 1
    fi
fi
$sudo chown "$TEMPORAL_USER" "$dir/temporal_db_password"
$sudo chown "$PATHWAYS_USER" "$dir/pathways_owner_db_password" "$dir/pathways_service_db_password" \
    "$dir/pathways_id_key" "$dir/pathways_checkpoint_key" "$dir/pathways_sealing_keys"
$sudo chown "$GRAFANA_USER" "$dir/grafana_admin_password"
