#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Re-creates the encrypted stream metafiles used by encryption_test.cpp:
# starts a real nats-server (2.9.10 from Debian) with JetStream encryption,
# creates stream "S" over the plain NATS text protocol (bash /dev/tcp, no
# client library needed), stops the server and copies
# <store>/jetstream/$G/streams/S/{meta.inf,meta.key} into <out>/<cipher>/.
#
# Usage: record.sh [OUT_DIR]   (default: the directory of this script)
# Env:   NATS_SERVER (default: nats-server in PATH, else /usr/sbin/nats-server)
set -euo pipefail

out=${1:-$(cd "$(dirname "$0")" && pwd)}
server=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
key='jsacct-test-key-0123456789abcdef'   # the JetStream "key" option used for both runs
stream_cfg='{"name":"S","subjects":["s"]}'

record() {
  local cipher=$1 tmp pid ports port reply=_INBOX.jsacct.1 line got=""
  tmp=$(mktemp -d)
  cat > "$tmp/server.conf" <<CONF
listen: 127.0.0.1:-1
ports_file_dir: "$tmp"
jetstream {
  store_dir: "$tmp/store"
  key: "$key"
  cipher: $cipher
}
CONF
  "$server" -c "$tmp/server.conf" > "$tmp/server.log" 2>&1 &
  pid=$!
  # The server writes <exe>_<pid>.ports with the port it picked.
  for _ in $(seq 100); do
    ports=$(ls "$tmp"/*.ports 2>/dev/null || true)
    [[ -n $ports ]] && break
    sleep 0.1
  done
  [[ -n $ports ]] || { cat "$tmp/server.log" >&2; kill "$pid"; exit 1; }
  port=$(sed -n 's|.*nats://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$ports")

  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'CONNECT {"verbose":false,"pedantic":false}\r\nSUB %s 1\r\nPUB $JS.API.STREAM.CREATE.S %s %d\r\n%s\r\nPING\r\n' \
    "$reply" "$reply" "${#stream_cfg}" "$stream_cfg" >&3
  # Read until the API reply (MSG line + payload) has arrived.
  while IFS= read -r -t 10 line <&3; do
    line=${line%$'\r'}
    if [[ $line == MSG* ]]; then IFS= read -r -t 10 got <&3; break; fi
    [[ $line == PING ]] && printf 'PONG\r\n' >&3
  done
  exec 3>&-
  kill "$pid"; wait "$pid" || true
  [[ $got == *'"type":"io.nats.jetstream.api.v1.stream_create_response"'* && $got != *'"error"'* ]] \
    || { echo "stream create failed: $got" >&2; cat "$tmp/server.log" >&2; exit 1; }

  mkdir -p "$out/$cipher"
  cp "$tmp/store/jetstream/\$G/streams/S/meta.inf" "$tmp/store/jetstream/\$G/streams/S/meta.key" "$out/$cipher/"
  chmod 644 "$out/$cipher/meta.inf" "$out/$cipher/meta.key"
  echo "$cipher: $(wc -c < "$out/$cipher/meta.key") byte meta.key, $(wc -c < "$out/$cipher/meta.inf") byte meta.inf ($("$server" --version))"
  rm -rf "$tmp"
}

record chacha
record aes
