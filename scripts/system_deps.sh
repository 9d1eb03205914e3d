#!/usr/bin/env bash
# Installs the system packages the stack and its tests need, when they are missing:
# redis-server (local Redis), Debian's chromium (browser tests) and nginx (the proxy-hop
# test runs the bundled frontend/nginx.conf).
set -euo pipefail

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
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
