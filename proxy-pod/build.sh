#!/bin/sh
# Builds the proxy image locally: proxy-pod/build.sh [--base IMAGE] [--tag TAG]
# (defaults: telepresence-test/base:dev, telepresence/proxy:dev). Run `npm run build` first.
set -eu
base=telepresence-test/base:dev
tag=telepresence/proxy:dev
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    *) echo "build.sh: unknown argument $1 (use --base IMAGE, --tag TAG)" >&2; exit 2 ;;
  esac
done
docker image inspect "$base" >/dev/null 2>&1 \
  || { echo "build.sh: base image $base is missing: build the test images first (npm run cluster -- up)" >&2; exit 1; }
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
"$(dirname "$0")/build-context.sh" "$context"
docker build -q --build-arg "BASE=$base" --label telepresence-proxy=1 -t "$tag" "$context"
