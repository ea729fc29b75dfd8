// One exec into an existing proxy pod instead of four (issue 17): telepresence-podinfo, `id -u`, the SSH host
// key file and the key line's addition, in one `sh -c`, each command's output in its own delimited section.
// The key line is added only when podinfo answered (exit 0) and, if a port below 1024 is exposed, the uid is 0;
// the launcher still judges everything else (the protocol, the texts) from the sections, as before.
import { POD_HOST_KEY_FILE, PODINFO_COMMAND } from '../protocol/index.js';
import { ADD_KEY_SCRIPT } from './authorized-key.js';

/** A section's output (exactly as the command printed it) and its exit status. */
export interface Section {
  text: string;
  status: number;
}

/** The sections one run printed; `key` absent: the script decided not to add the line. */
export interface TakePodOutput {
  podinfo?: Section;
  uid?: Section;
  hostKey?: Section;
  key?: Section;
}

const NAMES = { podinfo: 'podinfo', uid: 'uid', hostKey: 'hostkey', key: 'key' } as const;

/** `$B NAME`, the command's output, a newline, `$B end STATUS`: a section ends at the first end line after it. */
function section(name: string, command: string): string {
  return [`printf '%s ${name}\\n' "$b"`, command, `printf '\\n%s end %s\\n' "$b" "$s"`].join('\n');
}

/**
 * $1: the key line; $2: the boundary (a line no command's output holds); $3: 1 when only a root pod may take
 * the key (a remote port below 1024). podinfo's stderr is the exec's stderr (the only thing written there).
 */
export const TAKE_POD_SCRIPT = [
  'b=$2',
  section(NAMES.podinfo, `${PODINFO_COMMAND}; s=$?; p=$s`),
  `printf '%s ${NAMES.uid}\\n' "$b"`, 'u=$(id -u 2>&1); s=$?', `printf '%s\\n%s end %s\\n' "$u" "$b" "$s"`,
  section(NAMES.hostKey, `cat ${POD_HOST_KEY_FILE} 2>&1; s=$?`),
  'if [ "$p" -eq 0 ] && { [ "$3" != 1 ] || [ "$u" = 0 ]; }; then',
  section(NAMES.key, `(\n${ADD_KEY_SCRIPT}\n) 2>&1; s=$?`),
  'fi',
  'exit 0',
].join('\n');

export function takePodArgv(keyLine: string, boundary: string, rootOnly: boolean): string[] {
  return ['sh', '-c', TAKE_POD_SCRIPT, 'telepresence-take-pod', keyLine, boundary, rootOnly ? '1' : '0'];
}

/** The sections of `stdout`; one cut short (no end line) is left out, as is anything outside a section. */
export function parseTakePodOutput(stdout: string, boundary: string): TakePodOutput {
  const out: TakePodOutput = {};
  let rest = stdout;
  for (const [field, name] of Object.entries(NAMES) as Array<[keyof TakePodOutput, string]>) {
    const start = `${boundary} ${name}\n`;
    const at = rest.startsWith(start) ? 0 : rest.indexOf(`\n${start}`) + 1;
    if (at === 0 && !rest.startsWith(start)) continue;
    const body = rest.slice(at + start.length);
    const end = new RegExp(`\\n${escape(boundary)} end (\\d+)\\n`).exec(body);
    if (!end) break;
    out[field] = { text: body.slice(0, end.index), status: Number(end[1]) };
    rest = body.slice(end.index + end[0].length - 1);
  }
  return out;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
