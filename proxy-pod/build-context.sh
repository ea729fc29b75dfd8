#!/bin/sh
# Fills DIR with the proxy image's build context: Dockerfile and scripts, the host's node binary,
# the compiled pod program (dist/proxy-pod/src, from `npm run build`), the compiled contract it
# imports (dist/src/protocol) and its one dependency, dns2. app/ keeps dist's layout, so the
# program's relative imports (../../src/protocol/index.js) resolve in the image as they do in dist.
set -eu
out="${1:?usage: proxy-pod/build-context.sh DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
dist="$repo/dist"
for f in proxy-pod/src/main.js src/protocol/index.js; do
  [ -f "$dist/$f" ] || { echo "build-context: $dist/$f is missing: run npm run build first" >&2; exit 1; }
done
node_bin="$(readlink -f "${NODE_BINARY:-$(command -v node)}")"

mkdir -p "$out/app/node_modules" "$out/app/proxy-pod" "$out/app/src"
cp "$here/Dockerfile" "$here/sshd_config" "$here/entrypoint.sh" "$here/podinfo.sh" "$out/"
cp "$node_bin" "$out/node"
cp -R "$dist/proxy-pod/src" "$out/app/proxy-pod/src"
cp -R "$dist/src/protocol" "$out/app/src/protocol"
find "$out/app" \( -name '*.d.ts' -o -name '*.map' \) -delete
cp -R "$repo/node_modules/dns2" "$out/app/node_modules/dns2"
# Only src/protocol of src/ is in the image: an import of anything else would fail at run time.
outside="$(grep -rhoE "from '(\.\./)+src/[^']*'" "$out/app/proxy-pod/src" | grep -v "/src/protocol/" || true)"
[ -z "$outside" ] || { echo "build-context: the pod program imports from src/ beyond src/protocol, which the image does not hold: $outside" >&2; exit 1; }
printf '{ "private": true, "type": "module" }\n' > "$out/app/package.json"
