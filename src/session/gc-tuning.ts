// V8's collector, set for a session's traffic once start-up is over. Every SSH packet that spans two socket
// reads is a new 32 KiB ArrayBuffer in ssh2 (through the port-forward, most of them: 330 MB of 600 MB in a
// vpn-tcp download). V8 frees young ArrayBuffers on a background thread, and until it has, their bytes count
// against the old generation's limit: a full collection started every ~10 MB of traffic (49 in 600 MB, each
// ~16 ms on this thread and ~30 ms on V8's worker). Freed at the end of each scavenge instead, 3-9 remain, and
// the launcher's CPU for that session (start-up included) went from 3.74-3.99 to 2.16-2.56 s.
// Set at run time, after the client-node code cache was read: on node's command line the flag would change
// V8's flag hash and the cache would be rejected (src/kube/code-cache.ts).
import v8 from 'node:v8';

export const TRAFFIC_V8_FLAGS = ['--no-concurrent-array-buffer-sweeping'] as const;

export function tuneGcForTraffic(): void {
  for (const flag of TRAFFIC_V8_FLAGS) v8.setFlagsFromString(flag);
}
