import type { LakeTranslation, StoreResolver } from './lake-translation.ts';

interface Entry {
  sql: string;
  storeNames: string[];
  /** The table each of `storeNames` resolved to when the statement was translated. */
  targets: string[];
}

/**
 * Translations of statements already seen, for a statement run again (a dashboard's refresh, a
 * saved query). A translation is a function of the statement's text and of what its store names
 * resolve to — the allowlists, the Trino rewrites and the tables' columns are fixed while the
 * server runs — so an entry is used only when every store name it reads still resolves, for this
 * caller, to the same table. The resolver runs again on every hit, so a store the caller cannot
 * see, or one pending deletion, is refused exactly as on a first translation. Only statements
 * that translated without error are kept; least recently used entries go first.
 */
export class TranslationCache {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached translation of `statement` if its stores resolve as they did; else undefined. */
  get(statement: string, resolve: StoreResolver): LakeTranslation | undefined {
    const entry = this.entries.get(statement);
    if (!entry) return undefined;
    for (let i = 0; i < entry.storeNames.length; i++) {
      if (resolve(entry.storeNames[i] ?? '') !== entry.targets[i]) return undefined;
    }
    this.entries.delete(statement);
    this.entries.set(statement, entry);
    return { sql: entry.sql, storeNames: [...entry.storeNames] };
  }

  set(statement: string, translation: LakeTranslation, targets: string[]): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(statement);
    this.entries.set(statement, {
      sql: translation.sql,
      storeNames: [...translation.storeNames],
      targets: [...targets],
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }
}
