#!/usr/bin/env bash
# Local stand-ins for the public base images, for machines that cannot reach a container
# registry (air-gapped, or only package mirrors allowed): a debootstrap'd Debian bookworm,
# imported into Docker, then Python 3.11, nginx and Redis from Debian's packages on top.
# Prints the build and image variables that point docker-compose.yml at them:
#   eval "$(bash scripts/base_images.sh)" && docker compose build
# Needs root (debootstrap), a running Docker engine and a Debian mirror (DEBIAN_MIRROR).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${BASE_IMAGE_PREFIX:-nlp2filters-local}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { echo "$@" >&2; }

if ! docker image inspect "$tag/debian:bookworm" >/dev/null 2>&1; then
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap bookworm from $mirror ..."
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$tag/debian:bookworm" >&2
fi
for name in python nginx redis prometheus; do
  log "building $tag/$name:bookworm ..."
  docker build -q --build-arg "DEBIAN_IMAGE=$tag/debian:bookworm" -t "$tag/$name:bookworm" \
    -f "deploy/base-images/$name.Dockerfile" deploy/base-images >&2
done
echo "export PYTHON_IMAGE=$tag/python:bookworm NGINX_IMAGE=$tag/nginx:bookworm" \
     "REDIS_IMAGE=$tag/redis:bookworm PROMETHEUS_IMAGE=$tag/prometheus:bookworm"
