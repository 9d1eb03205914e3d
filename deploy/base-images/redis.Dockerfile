# Stand-in for the redis image, from Debian's redis-server: data in /data, run as `redis`,
# and, like the official image's entrypoint, protected mode off when started without a
# config file (the container network is the boundary; compose publishes no Redis port).
ARG DEBIAN_IMAGE=nlp2filters-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
# Debian's current bookworm packages (a mirror serves only the latest point release).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
# hadolint ignore=DL3066
USER redis
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
