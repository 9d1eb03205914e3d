#!/bin/sh
# `redis-server [options]` without a config file: protected mode off, as in the official image.
set -e
if [ "$1" = "redis-server" ]; then
  case "${2:-}" in
    *.conf) ;;
    *) shift; set -- redis-server --protected-mode no "$@" ;;
  esac
fi
exec "$@"
