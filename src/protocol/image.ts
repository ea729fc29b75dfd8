// The proxy image's name: the repository, tagged with the telepresence version that built it, so
// that a launcher runs the pod of its own release unless the variable names another image.

export const PROXY_IMAGE_REPOSITORY = 'telepresence/proxy';
/** Overrides the image (a registry build, or a test). */
export const PROXY_IMAGE_VARIABLE = 'TELEPRESENCE_PROXY_IMAGE';

/** `telepresence/proxy:<version>`; characters a Docker tag cannot hold (semver's `+`) become `-`. */
export function defaultProxyImage(version: string): string {
  return `${PROXY_IMAGE_REPOSITORY}:${version.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/** How to build (and publish) the image of `version`: the part every "get the right image" hint shares. */
export function proxyImageBuildHint(version: string): string {
  return `with proxy-pod/build.sh (add --tag REGISTRY/${PROXY_IMAGE_REPOSITORY}:${version} --push for a cluster that pulls from a registry)`;
}

/** The fix when the launcher deploys the pod itself: build this release's image, or name one. */
export function proxyImageFix(version: string): string {
  return `build ${defaultProxyImage(version)} ${proxyImageBuildHint(version)} or set ${PROXY_IMAGE_VARIABLE} to an image of telepresence ${version}`;
}
