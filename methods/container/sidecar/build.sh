#!/bin/sh
# Builds the container method's sidecar image: methods/container/sidecar/build.sh [--tag TAG] [--print-tag]
# Default tag telepresence/sidecar:<package.json version>. The image is FROM scratch with the static
# busybox of Debian's busybox-static package (/bin/busybox), so no registry or network is needed.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
tag=
print=false
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) [ $# -ge 2 ] && [ -n "$2" ] || { echo "build.sh: --tag needs a value (use --tag TAG, --print-tag)" >&2; exit 2; }; tag="$2"; shift 2 ;;
    --print-tag) print=true; shift ;;
    *) echo "build.sh: unknown argument $1 (use --tag TAG, --print-tag)" >&2; exit 2 ;;
  esac
done
if [ -z "$tag" ]; then
  version="$(node -p 'require(process.argv[1]).version' "$repo/package.json")"
  tag="telepresence/sidecar:$version"
fi
if [ "$print" = true ]; then
  printf '%s\n' "$tag"
  exit 0
fi
busybox=/bin/busybox
file_type="$(od -An -c -N4 "$busybox" 2>/dev/null | tr -d ' ')" || true
[ "$file_type" = '177ELF' ] || { echo "build.sh: $busybox is missing or not a program: install the Debian package busybox-static (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox (the busybox package) would not start in an image without libc.
if ldd "$busybox" >/dev/null 2>&1; then
  echo "build.sh: $busybox is dynamically linked: install the Debian package busybox-static (apt-get install busybox-static)" >&2
  exit 1
fi
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$here/Dockerfile" "$context/Dockerfile"
cp "$busybox" "$context/busybox"
out="$(docker build -q -t "$tag" "$context" 2>&1)" || { printf '%s\n' "$out" >&2; echo "build.sh: docker build of $tag failed" >&2; exit 1; }
printf '%s\n' "$tag"
