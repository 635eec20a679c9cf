/**
 * The digest journal held in memory: the DigestJournal port with the DuckDB journal's semantics
 * (digest-journal.contract.ts runs against both), for unit tests of digest delivery. Nothing
 * survives the process.
 */
import type { DigestChain, DigestJournal, DigestState, JournalEntry, JournalFile } from './digest-journal.ts';

function chainOrder(a: DigestChain, b: DigestChain): number {
  if (a.accountId !== b.accountId) return a.accountId < b.accountId ? -1 : 1;
  return a.region < b.region ? -1 : a.region > b.region ? 1 : 0;
}

export class MemoryDigestJournal implements DigestJournal {
  /** Entry ids count up across all trails, as one database sequence hands them out. */
  private nextId = 1n;
  private readonly files = new Map<string, Map<string, JournalEntry>>();
  private readonly states = new Map<string, DigestState>();
  private readonly chainsOf = new Map<string, Map<string, DigestChain>>();

  recordFiles(files: readonly JournalFile[]): Promise<void> {
    for (const f of files) {
      let entries = this.files.get(f.trailArn);
      if (!entries) this.files.set(f.trailArn, (entries = new Map<string, JournalEntry>()));
      const held = entries.get(f.key);
      // A replayed delivery rewrites the same key: keep the entry (and its id), refresh the hash.
      if (held) {
        entries.set(f.key, {
          ...held,
          sha256: f.sha256,
          oldestEventMs: f.oldestEventMs,
          newestEventMs: f.newestEventMs,
        });
      } else {
        entries.set(f.key, { ...f, id: this.nextId++ });
      }
    }
    return Promise.resolve();
  }

  filesThrough(trailArn: string, afterId: bigint, throughId: bigint): Promise<JournalEntry[]> {
    const entries = [...(this.files.get(trailArn)?.values() ?? [])]
      .filter((e) => e.id > afterId && e.id <= throughId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((e) => ({ ...e }));
    return Promise.resolve(entries);
  }

  maxFileId(trailArn: string): Promise<bigint> {
    let max = 0n;
    for (const e of this.files.get(trailArn)?.values() ?? []) if (e.id > max) max = e.id;
    return Promise.resolve(max);
  }

  state(trailArn: string): Promise<DigestState | undefined> {
    const state = this.states.get(trailArn);
    return Promise.resolve(
      state ? { ...state, ...(state.planned ? { planned: { ...state.planned } } : {}) } : undefined,
    );
  }

  chains(trailArn: string): Promise<DigestChain[]> {
    const chains = [...(this.chainsOf.get(trailArn)?.values() ?? [])].sort(chainOrder);
    return Promise.resolve(
      chains.map((c) => ({ ...c, ...(c.previous ? { previous: { ...c.previous } } : {}) })),
    );
  }

  plan(trailArn: string, planned: { endMs: number; throughId: bigint }): Promise<void> {
    const state = this.states.get(trailArn) ?? { trailArn, digestedThroughId: 0n };
    this.states.set(trailArn, { ...state, planned: { ...planned } });
    return Promise.resolve();
  }

  commitRound(state: DigestState, chains: readonly DigestChain[]): Promise<void> {
    const { planned: _cleared, lastEndMs, ...rest } = state;
    this.states.set(state.trailArn, { ...rest, ...(lastEndMs !== undefined ? { lastEndMs } : {}) });
    let held = this.chainsOf.get(state.trailArn);
    if (!held) this.chainsOf.set(state.trailArn, (held = new Map<string, DigestChain>()));
    for (const chain of chains) held.set(`${chain.accountId}\u0000${chain.region}`, { ...chain });
    const entries = this.files.get(state.trailArn);
    for (const [key, entry] of entries ?? []) {
      if (entry.id <= state.digestedThroughId) entries?.delete(key);
    }
    return Promise.resolve();
  }

  endChains(trailArn: string): Promise<void> {
    this.chainsOf.delete(trailArn);
    const state = this.states.get(trailArn);
    if (state) {
      const { lastEndMs: _ended, ...rest } = state;
      this.states.set(trailArn, rest);
    }
    return Promise.resolve();
  }

  deleteTrail(trailArn: string): Promise<void> {
    this.files.delete(trailArn);
    this.states.delete(trailArn);
    this.chainsOf.delete(trailArn);
    return Promise.resolve();
  }
}
