#!/usr/bin/env bash
# Installs the Debian packages the stack and its tests need, when their command is missing.
# Arguments: command:package pairs. Without any, the defaults: redis-server (local Redis),
# Debian's chromium (browser tests) and nginx (the proxy-hop test runs the bundled
# frontend/nginx.conf). `make test-compose` asks for dockerd:docker.io (a Docker engine,
# BuildKit built in) and debootstrap:debootstrap (stand-in base images).
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(redis-server:redis-server chromium:chromium nginx:nginx)
missing=()
for pair in "${wanted[@]}"; do
  cmd=${pair%%:*}
  command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! command -v apt-get >/dev/null; then
  echo "please install: ${missing[*]} (no apt-get on this machine)" >&2
  exit 1
fi
echo "installing ${missing[*]} ..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
