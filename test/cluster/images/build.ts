// Builds the test images locally, no registry (contract 11): the debootstrap base image (its root
// filesystem tarball cached in /var/cache/tp-cluster) and images from a folder with a Dockerfile.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { run, tryRun } from '../node/run.js';
import { debootstrapMirror } from './apt-sources.js';

export const BASE_IMAGE = 'telepresence-test/base:dev';
export const ECHO_IMAGE = 'telepresence-test/echo:dev';
export const TOOLS_IMAGE = 'telepresence-test/tools:dev';
const HASH_LABEL = 'tp-source-hash';
const CACHE_DIR = process.env.TP_CLUSTER_CACHE ?? '/var/cache/tp-cluster';

/** test/cluster/images in the source tree (this file runs from dist/test/cluster/images). */
export const IMAGES_SOURCE_DIR = path.resolve(fileURLToPath(import.meta.url), '../../../../../test/cluster/images');

export interface BuildOptions {
  /** Files put into the build context next to the folder's files: name in context -> host path. */
  readonly extraFiles?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

async function imageLabel(tag: string): Promise<string | undefined> {
  const r = await tryRun('docker', ['image', 'inspect', '-f', `{{index .Config.Labels "${HASH_LABEL}"}}|{{.Id}}`, tag]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export async function imageExists(tag: string): Promise<boolean> {
  return (await imageLabel(tag)) !== undefined;
}

function hashFolder(folder: string, extra: string): string {
  const h = crypto.createHash('sha256').update(extra);
  for (const name of fs.readdirSync(folder).sort()) {
    const file = path.join(folder, name);
    if (fs.statSync(file).isFile()) h.update(name).update(fs.readFileSync(file));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Builds `tag` from `folder` (a Dockerfile and its files) unless an image built from the same
 * sources (and the same base image) exists. Returns true when it built.
 */
export async function buildImageFromFolder(tag: string, folder: string, opts: BuildOptions = {}): Promise<boolean> {
  const baseId = ((await imageLabel(BASE_IMAGE)) ?? '').split('|')[1] ?? '';
  const extras = Object.entries(opts.extraFiles ?? {}).map(([name, file]) => `${name}:${fs.statSync(file).size}`);
  const hash = hashFolder(folder, baseId + extras.join(','));
  if ((await imageLabel(tag))?.split('|')[0] === hash) return false;
  opts.log?.(`building image ${tag} from ${folder}`);
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-image-'));
  try {
    fs.cpSync(folder, context, { recursive: true });
    for (const [name, file] of Object.entries(opts.extraFiles ?? {})) {
      try {
        fs.linkSync(file, path.join(context, name));
      } catch {
        fs.copyFileSync(file, path.join(context, name));
      }
    }
    await run('docker', ['build', '-q', '--label', `${HASH_LABEL}=${hash}`, '--label', 'tp-cluster=1', '-t', tag, context]);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  return true;
}

function basePackages(): string[] {
  return fs.readFileSync(path.join(IMAGES_SOURCE_DIR, 'base/packages.txt'), 'utf8').split(/\s+/).filter(Boolean);
}

function basePackagesKey(): string {
  return crypto.createHash('sha256').update(basePackages().join(',')).digest('hex').slice(0, 12);
}

/** The debootstrap root filesystem as a tarball, made once and kept in the cache directory. */
async function baseTarball(log: (line: string) => void): Promise<string> {
  const packages = basePackages();
  const key = basePackagesKey();
  const tarball = path.join(CACHE_DIR, `base-bookworm-${key}.tar`);
  if (fs.existsSync(tarball)) return tarball;
  // The mirror apt already uses (or --mirror / $TP_CLUSTER_MIRROR), looked up only when building.
  const mirror = debootstrapMirror();
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const root = fs.mkdtempSync(path.join(CACHE_DIR, 'rootfs-'));
  try {
    log(`debootstrap bookworm (${packages.join(', ')}) from ${mirror}`);
    await run('debootstrap', ['--variant=minbase', `--include=${packages.join(',')}`, 'bookworm', root, mirror]);
    // Downloaded packages and lists only make the image bigger.
    await run('sh', ['-c', `rm -rf "${root}"/var/cache/apt/archives/*.deb "${root}"/var/lib/apt/lists/*`]);
    await run('tar', ['-C', root, '-cf', `${tarball}.tmp`, '.']);
    fs.renameSync(`${tarball}.tmp`, tarball);
    // Tarballs of earlier package lists are never used again.
    for (const name of fs.readdirSync(CACHE_DIR)) {
      if (/^base-bookworm-.*\.tar$/.test(name) && name !== path.basename(tarball)) fs.rmSync(path.join(CACHE_DIR, name), { force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return tarball;
}

export async function buildBaseImage(log: (line: string) => void = () => {}): Promise<boolean> {
  // The label ties the image to packages.txt, so adding a package rebuilds the base.
  const key = basePackagesKey();
  if ((await imageLabel(BASE_IMAGE))?.split('|')[0] === key) return false;
  const tarball = await baseTarball(log);
  log(`importing ${BASE_IMAGE}`);
  await run('docker', ['import', '--change', 'CMD ["/bin/sh"]', '--change', 'LABEL tp-cluster=1',
    '--change', `LABEL ${HASH_LABEL}=${key}`, tarball, BASE_IMAGE]);
  return true;
}

/** Every image of the test cluster, built when missing or when its sources changed. */
export async function ensureImages(log: (line: string) => void = () => {}): Promise<void> {
  await buildBaseImage(log);
  const nodeBinary = process.execPath;
  await Promise.all([
    buildImageFromFolder(ECHO_IMAGE, path.join(IMAGES_SOURCE_DIR, 'echo'), { extraFiles: { node: nodeBinary }, log }),
    buildImageFromFolder(TOOLS_IMAGE, path.join(IMAGES_SOURCE_DIR, 'tools'), { log }),
  ]);
}
