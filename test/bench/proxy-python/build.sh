#!/bin/sh
# Builds telepresence/proxy-python:bench, the proxy image plus python3 for sshuttle's server side.
# The image build has no network and the base image has no python3, so the context carries the
# files of the host's own Debian python3 packages (sshuttle on the host depends on them, so they are
# there), listed by `dpkg -L`: same release as the base image (Debian 12), so the same libc.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
# The proxy image's default tag (telepresence/proxy:<package version>), as proxy-pod/build.sh makes it.
proxy="${1:-$(sh "$here/../../../proxy-pod/build.sh" --print-tag)}"
tag="${2:-telepresence/proxy-python:bench}"
docker image inspect "$proxy" >/dev/null 2>&1 \
  || { echo "proxy-python: image $proxy is missing: run proxy-pod/build.sh first" >&2; exit 1; }
pkgs="python3-minimal python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1"
for p in $pkgs; do
  dpkg -s "$p" >/dev/null 2>&1 || { echo "proxy-python: Debian package $p is not installed on this host: apt-get install sshuttle" >&2; exit 1; }
done
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$here/Dockerfile" "$context/"
# Files and symlinks only (directories come with them); __pycache__ is rebuilt on demand.
# shellcheck disable=SC2086
dpkg -L $pkgs | sort -u | while read -r f; do
  if [ -L "$f" ] || [ -f "$f" ]; then printf '%s\n' "${f#/}"; fi
done | grep -v '__pycache__' > "$context/files.txt"
tar -C / -cf "$context/python.tar" -T "$context/files.txt"
docker build -q --build-arg "PROXY=$proxy" --label telepresence-bench=1 -t "$tag" "$context"
