// Whether LD_PRELOAD (torsocks) can reach a program: static binaries, setuid binaries and Go programs
// (which make their own system calls) bypass it. Reads the ELF header only.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

/** The absolute path of a command as the shell would find it, or null. */
export function whichCommand(command: string, searchPath: string): string | null {
  if (command.includes('/')) return path.resolve(command);
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

const PT_INTERP = 3;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  return buf.subarray(0, n);
}

/** The names of an ELF64 file's sections, from its section header string table. */
function sectionNames(fd: number, header: Buffer): string[] {
  const shoff = Number(header.readBigUInt64LE(40));
  const shentsize = header.readUInt16LE(58);
  const shnum = header.readUInt16LE(60);
  const shstrndx = header.readUInt16LE(62);
  if (shoff === 0 || shnum === 0 || shstrndx >= shnum) return [];
  const table = readAt(fd, shoff, shentsize * shnum);
  const strHeader = shstrndx * shentsize;
  if (table.length < strHeader + shentsize) return [];
  const strings = readAt(fd, Number(table.readBigUInt64LE(strHeader + 24)), Number(table.readBigUInt64LE(strHeader + 32)));
  const names: string[] = [];
  for (let i = 0; i < shnum && (i + 1) * shentsize <= table.length; i++) {
    const at = table.readUInt32LE(i * shentsize);
    const end = strings.indexOf(0, at);
    names.push(strings.subarray(at, end < 0 ? undefined : end).toString('latin1'));
  }
  return names;
}

/** Why torsocks cannot reach this file, or null when it can (or the file is not an ELF binary). */
export function preloadBypassReason(file: string): string | null {
  const st = statSync(file);
  if (st.mode & 0o4000) return 'it is setuid';
  const fd = openSync(file, 'r');
  try {
    const header = readAt(fd, 0, 64);
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) return null; // not ELF64
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const programHeaders = readAt(fd, phoff, phentsize * phnum);
    let dynamic = false;
    for (let i = 0; (i + 1) * phentsize <= programHeaders.length; i++) {
      if (programHeaders.readUInt32LE(i * phentsize) === PT_INTERP) dynamic = true;
    }
    if (!dynamic) return 'it is statically linked';
    const names = sectionNames(fd, header);
    if (names.includes('.go.buildinfo') || names.includes('.note.go.buildid')) return 'it is a Go program';
    return null;
  } finally {
    closeSync(fd);
  }
}
