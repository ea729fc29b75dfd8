// The sidecar's image: TELEPRESENCE_SIDECAR_IMAGE, else this release's telepresence/sidecar:<version>,
// built here on first use (methods/container/sidecar/build.sh: FROM scratch with Debian's static
// busybox; no registry needed), as the proxy image is built locally.
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../../src/config/version.js';
import { HostError } from '../../src/errors.js';
import { lastLine } from '../../src/host/command-line.js';
import { runHostCommand } from '../../src/host/command.js';

export const SIDECAR_IMAGE_VARIABLE = 'TELEPRESENCE_SIDECAR_IMAGE';

export function sidecarImage(env: NodeJS.ProcessEnv): string {
  return env[SIDECAR_IMAGE_VARIABLE] || `telepresence/sidecar:${packageVersion()}`;
}

// From dist/methods/container/ (compiled) the script sits three levels up in the sources.
const BUILD_SCRIPT = fileURLToPath(new URL('../../../methods/container/sidecar/build.sh', import.meta.url));

/** The image exists on the engine, or is built now (progress says so); a failed build is one HostError line. */
export async function ensureSidecarImage(image: string, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<void> {
  const found = await runHostCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { env });
  if (found.exitCode === 0) return;
  if (env[SIDECAR_IMAGE_VARIABLE]) {
    throw new HostError(`the sidecar image ${image} (${SIDECAR_IMAGE_VARIABLE}) is not on the Docker engine: build or load it, or unset ${SIDECAR_IMAGE_VARIABLE}`, { value: image });
  }
  progress(`Building the sidecar image ${image} (once)`);
  const built = await runHostCommand('sh', [BUILD_SCRIPT, '--tag', image], { env, timeoutMs: 300_000 });
  if (built.exitCode !== 0) {
    throw new HostError(`could not build the sidecar image ${image}: ${lastLine(built.stderr) || `exit code ${built.exitCode}`}`, { value: image });
  }
}
