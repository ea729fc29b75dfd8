// Step 2: what sessions of this workstation that died without undoing their changes (SIGKILL, power
// loss) left behind, repaired from their journals by kind, each repair said in one line. Entries no
// repairer here can take (another cluster's objects) are kept for a run that can.
import type { Repairer } from '../changes.js';
import type { Cluster } from '../kube/index.js';
import { deadSessions } from './journal.js';
import type { Session } from './session.js';

export async function repairDeadSessions(s: Session, cluster: Pick<Cluster, 'repairers'>): Promise<void> {
  const byKind = new Map<string, Repairer<never>>();
  for (const r of [...s.deps.hostRepairers, ...cluster.repairers]) byKind.set(r.kind, r);
  for (const dead of deadSessions(s.deps.journalDir)) {
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
