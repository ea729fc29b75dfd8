// The proxy image a session deploys: TELEPRESENCE_PROXY_IMAGE, else this release's own image.
import { defaultProxyImage, PROXY_IMAGE_VARIABLE } from '../protocol/index.js';
import { packageVersion } from './version.js';

/** `telepresence/proxy:<package version>` unless TELEPRESENCE_PROXY_IMAGE is set (and not empty). */
export function proxyImage(env: Readonly<Record<string, string | undefined>>): string {
  return env[PROXY_IMAGE_VARIABLE] || defaultProxyImage(packageVersion());
}
