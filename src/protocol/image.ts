// The proxy image's name: the repository, tagged with the telepresence version that built it, so
// that a launcher runs the pod of its own release unless the variable names another image.

export const PROXY_IMAGE_REPOSITORY = 'telepresence/proxy';
/** Overrides the image (a registry build, or a test). */
export const PROXY_IMAGE_VARIABLE = 'TELEPRESENCE_PROXY_IMAGE';

/** `telepresence/proxy:<version>`; characters a Docker tag cannot hold (semver's `+`) become `-`. */
export function defaultProxyImage(version: string): string {
  return `${PROXY_IMAGE_REPOSITORY}:${version.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}
