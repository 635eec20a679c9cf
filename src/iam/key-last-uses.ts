/**
 * When, for which service and in which Region each access key last signed a request that
 * verified: what IAM GetAccessKeyLastUsed answers. The Authenticator records every verified call
 * here (a map lookup on the request path); the store hears of them in the background, in one batch
 * per interval (a minute by default), so a key is written at most once a minute however often it
 * signs, and never once per request. Times are kept to the minute, as IAM answers them (the IAM API
 * Reference's example: `<LastUsedDate>2015-03-13T10:45:00Z</LastUsedDate>`), so uses within the
 * same minute for the same service and Region change nothing at all. `close()` writes what is left;
 * after a crash, at most the last interval's uses are lost.
 */

/** When, for which service and Region an access key last signed a request that verified. */
export interface KeyLastUse {
  timeMs: number;
  /** The SigV4 credential scope's service (`iam`, `cloudtrail`, `sts`, …). */
  service: string;
  region: string;
}

/** Where keys' last uses persist. */
export interface KeyLastUseStore {
  loadKeyLastUses(): Promise<Map<string, KeyLastUse>>;
  /** Writes the uses given and deletes the keys mapped to null, in one transaction. */
  saveKeyLastUses(changes: ReadonlyMap<string, KeyLastUse | null>): Promise<void>;
}

export interface KeyLastUsesOptions {
  /** How often recorded uses are written (ms); 60 000 by default. */
  flushIntervalMs?: number;
  /** Told of a write that failed (the uses stay pending and go with the next write). */
  onError?: (error: unknown) => void;
}

const MINUTE_MS = 60_000;

export class KeyLastUses {
  private readonly uses: Map<string, KeyLastUse>;
  /** Changes the store has not heard of yet (null: the key was deleted). */
  private pending = new Map<string, KeyLastUse | null>();
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | undefined;

  /** Without a store, uses are kept in memory only (tests, tools). */
  constructor(
    private readonly store?: KeyLastUseStore,
    initial: ReadonlyMap<string, KeyLastUse> = new Map(),
    private readonly options: KeyLastUsesOptions = {},
  ) {
    this.uses = new Map(initial);
    if (store) {
      this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? MINUTE_MS);
      this.timer.unref();
    }
  }

  /** Loads the last uses the store holds, then writes new ones to it. */
  static async open(store: KeyLastUseStore, options: KeyLastUsesOptions = {}): Promise<KeyLastUses> {
    return new KeyLastUses(store, await store.loadKeyLastUses(), options);
  }

  /** A verified use of `accessKeyId`, kept to the minute. */
  record(accessKeyId: string, use: KeyLastUse): void {
    const timeMs = use.timeMs - (use.timeMs % MINUTE_MS);
    const last = this.uses.get(accessKeyId);
    if (last && last.timeMs >= timeMs && last.service === use.service && last.region === use.region) return;
    // Clocks may step back: the last use never moves earlier.
    const kept = { timeMs: Math.max(timeMs, last?.timeMs ?? 0), service: use.service, region: use.region };
    this.uses.set(accessKeyId, kept);
    if (this.store) this.pending.set(accessKeyId, kept);
  }

  get(accessKeyId: string): KeyLastUse | undefined {
    return this.uses.get(accessKeyId);
  }

  /** The key was deleted: its last use goes with it. */
  forget(accessKeyId: string): void {
    if (!this.uses.delete(accessKeyId)) return;
    if (this.store) this.pending.set(accessKeyId, null);
  }

  /** Writes what was recorded since the last write (one store call, none when nothing changed). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  /** Stops the timer and writes what is left; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      await this.flush();
    })();
    return this.closing;
  }

  private async writePending(): Promise<void> {
    if (!this.store || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.saveKeyLastUses(batch);
    } catch (error) {
      // Kept for the next write, unless a newer change of the same key came meanwhile.
      for (const [id, use] of batch) if (!this.pending.has(id)) this.pending.set(id, use);
      this.options.onError?.(error);
    }
  }
}
