# Stand-in for python:3.11-slim-bookworm, from Debian's own Python 3.11 (no registry needed).
# Built by scripts/base_images.sh on top of a debootstrap'd bookworm; the project's images
# take it through their PYTHON_IMAGE build argument.
ARG DEBIAN_IMAGE=nlp2filters-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
# Debian's current bookworm packages (a mirror serves only the latest point release).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python-is-python3 \
 && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
