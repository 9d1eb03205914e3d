# Stand-in for nginxinc/nginx-unprivileged, from Debian's nginx: the same layout (site
# configs in /etc/nginx/conf.d, pages in /usr/share/nginx/html), user 101, and every path
# nginx writes under /tmp, so it runs unprivileged.
ARG DEBIAN_IMAGE=nlp2filters-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
# Debian's current bookworm packages (a mirror serves only the latest point release).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx wget \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/conf.d/* \
 && useradd --system --no-create-home --uid 101 --user-group nginx \
 && mkdir -p /usr/share/nginx/html \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
COPY nginx.conf /etc/nginx/nginx.conf
USER 101
EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
