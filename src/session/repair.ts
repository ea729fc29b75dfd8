// Step 2: what sessions of this workstation that died without undoing their changes (SIGKILL, power
// loss) left behind, repaired from their journals by kind, each repair said in one line. Entries no
// repairer here can take (another cluster's objects) are kept for a run that can. Then what any
// workstation's dead session swapped in this namespace, found from the cluster (expired Leases).
import type { Repairer } from '../changes.js';
import type { Cluster } from '../kube/index.js';
import { deadSessions } from './journal.js';
import type { Session } from './session.js';

export async function repairExpiredSwaps(s: Pick<Session, 'progress' | 'log'>, cluster: Pick<Cluster, 'repairExpiredSwaps'>): Promise<void> {
  const report = await cluster.repairExpiredSwaps();
  for (const line of report.alive) s.log(`repair: ${line}`);
  for (const line of report.restored) s.progress(`Repaired: ${line}`);
}

export async function repairDeadSessions(s: Session, cluster: Pick<Cluster, 'repairers'>): Promise<void> {
  await repairJournals(s, s.deps.journalDir, [...s.deps.hostRepairers, ...cluster.repairers]);
}

/** The journals of dead sessions in `dir`, each entry by its kind's repairer (the last one given for a kind). */
export async function repairJournals(s: Pick<Session, 'progress' | 'warn' | 'log'>, dir: string, repairers: readonly Repairer<never>[]): Promise<void> {
  const byKind = new Map<string, Repairer<never>>();
  for (const r of repairers) byKind.set(r.kind, r);
  for (const dead of deadSessions(dir)) {
    const { record } = dead;
    let kept = 0;
    // Last change first, as an undo stack unwinds.
    for (const entry of [...record.entries].reverse()) {
      const repairer = byKind.get(entry.kind);
      const lines = repairer ? await repairer.repair(entry.data as never, record) : null;
      if (lines === null) {
        kept++;
        s.log(`repair: kept ${entry.kind} of session ${record.sessionId} (${repairer ? 'not from this cluster' : 'no repairer for this kind'})`);
        continue;
      }
      for (const line of lines) (repairer!.where === 'cluster' ? s.progress : s.warn)(`Repaired: ${line}`);
      dead.settle(entry);
    }
    if (kept === 0) dead.forget();
  }
}
