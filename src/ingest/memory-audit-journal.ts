/**
 * The audit journal held in memory: the AuditJournal port's semantics (the contract suite,
 * audit-journal.contract.ts, runs against it), for tests of the pipeline and recovery. Nothing
 * survives the process. Intents are kept as their JSON text, as a durable journal keeps them.
 */
import type { AuditIntent, AuditJournal } from './audit-journal.ts';

export class MemoryAuditJournal implements AuditJournal {
  private readonly intents = new Map<string, string>();

  write(intent: AuditIntent): Promise<void> {
    this.intents.set(intent.eventId, JSON.stringify(intent));
    return Promise.resolve();
  }

  drop(eventIds: readonly string[]): Promise<void> {
    for (const id of eventIds) this.intents.delete(id);
    return Promise.resolve();
  }

  pending(): Promise<AuditIntent[]> {
    return Promise.resolve([...this.intents.values()].map((text) => JSON.parse(text) as AuditIntent));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
