#!/bin/sh
# Fills DIR with the proxy image's build context: Dockerfile and scripts, the host's node binary,
# the compiled pod program (dist/proxy-pod/src, from `npm run build`) and its one dependency, dns2.
set -eu
out="${1:?usage: proxy-pod/build-context.sh DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
dist="$repo/dist/proxy-pod/src"
[ -f "$dist/main.js" ] || { echo "build-context: $dist/main.js is missing: run npm run build first" >&2; exit 1; }
node_bin="$(readlink -f "${NODE_BINARY:-$(command -v node)}")"

mkdir -p "$out/app/node_modules"
cp "$here/Dockerfile" "$here/sshd_config" "$here/entrypoint.sh" "$here/podinfo.sh" "$out/"
cp "$node_bin" "$out/node"
cp -R "$dist" "$out/app/src"
find "$out/app/src" \( -name '*.d.ts' -o -name '*.map' \) -delete
cp -R "$repo/node_modules/dns2" "$out/app/node_modules/dns2"
printf '{ "private": true, "type": "module" }\n' > "$out/app/package.json"
