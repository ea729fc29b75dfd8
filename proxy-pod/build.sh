#!/bin/sh
# Builds the proxy image: proxy-pod/build.sh [--base IMAGE] [--tag TAG] [--push] [--print-tag]
# Default base telepresence-test/base:dev; default tag telepresence/proxy:<package.json version>,
# the image this release's launcher deploys (src/config/proxy-image.ts, compiled: run `npm run build`
# first). --push pushes TAG after the build; TAG must then name a registry, e.g.
# --tag registry.example.com/telepresence/proxy:0.1.0 --push. --print-tag prints TAG and exits.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
base=telepresence-test/base:dev
tag=
push=false
print=false
usage="use --base IMAGE, --tag TAG, --push, --print-tag"
while [ $# -gt 0 ]; do
  case "$1" in
    --base|--tag) [ $# -ge 2 ] && [ -n "$2" ] || { echo "build.sh: $1 needs a value ($usage)" >&2; exit 2; } ;;
  esac
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --push) push=true; shift ;;
    --print-tag) print=true; shift ;;
    *) echo "build.sh: unknown argument $1 ($usage)" >&2; exit 2 ;;
  esac
done

if [ -z "$tag" ]; then
  js="$repo/dist/src/config/proxy-image.js"
  [ -f "$js" ] || { echo "build.sh: $js is missing: run npm run build first" >&2; exit 1; }
  tag="$(node --input-type=module -e 'const { proxyImage } = await import(process.argv[1]); console.log(proxyImage({}));' "$js")"
fi
if [ "$print" = true ]; then
  printf '%s\n' "$tag"
  exit 0
fi

# Docker's rule: the first part of a name is a registry when it has a dot or a port, or is localhost.
# Without one, docker push goes to Docker Hub, which is not what --push is for.
if [ "$push" = true ]; then
  first="${tag%%/*}"
  case "$tag" in
    */*) case "$first" in *.*|*:*|localhost) ;; *) first= ;; esac ;;
    *) first= ;;
  esac
  [ -n "$first" ] || { echo "build.sh: --push needs a tag that names a registry (--tag REGISTRY/telepresence/proxy:TAG, e.g. registry.example.com/$tag); $tag would go to Docker Hub" >&2; exit 2; }
fi

docker image inspect "$base" >/dev/null 2>&1 \
  || { echo "build.sh: base image $base is missing: build the test images first (npm run cluster -- up)" >&2; exit 1; }
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
"$here/build-context.sh" "$context"
docker build -q --build-arg "BASE=$base" --label telepresence-proxy=1 -t "$tag" "$context"

if [ "$push" = true ]; then
  out="$context/push.log"
  if ! docker push "$tag" >"$out" 2>&1; then
    echo "build.sh: docker push $tag failed: $(tail -n 1 "$out"): check that the registry $first answers and accepts pushes (docker login $first)" >&2
    exit 1
  fi
  echo "pushed $tag"
fi
