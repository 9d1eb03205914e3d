# Stand-in for prom/prometheus, from Debian's prometheus package: the same entry point and
# paths (/etc/prometheus/prometheus.yml, data in /prometheus), run as `nobody` like upstream.
ARG DEBIAN_IMAGE=nlp2filters-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
# Debian's current bookworm packages (a mirror serves only the latest point release).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /prometheus && chown nobody:nogroup /prometheus
VOLUME /prometheus
WORKDIR /prometheus
# hadolint ignore=DL3066
USER nobody
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
