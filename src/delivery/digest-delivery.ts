/**
 * Digest delivery: for every trail with log file validation, once per digest interval, one signed
 * digest per chain (account and region) listing the log files delivered since the previous digest;
 * chains with nothing new get an empty digest (`logFiles: []`), as AWS writes them for quiet
 * periods. A round's end time is recorded before any digest is written, so a replay after a crash
 * writes the same names and contents. Chains end when logging stops (after the last log files
 * are digested), when validation is turned off, or when the trail is deleted; the next digest
 * then starts a new chain with null previous fields.
 *
 * A consumer of the ConsumerRunner whose progress is its journal, not the log: every check is a
 * round per trail that writes a digest only when one is due. A failed round is retried at the
 * next check.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from 'pino';
import {
  SIGNATURE_ALGORITHM,
  buildDigest,
  digestKey,
  digestStringToSign,
  digestTime,
  serializeDigest,
  sha256Hex,
  type DigestLogFile,
  type SigningKeyRing,
} from '../integrity/index.ts';
import type { ObjectStore } from '../objects/index.ts';
import {
  ConsumerRunner,
  type Consumer,
  type ConsumerOutcome,
  type EventStore,
  type RunnerObserver,
  type RunnerTimer,
} from '../store/index.ts';
import { deliveryConsumer, type Trail, type TrailRegistry } from '../trails/index.ts';
import type { DigestChain, DigestJournal, JournalEntry } from './digest-journal.ts';

const gzip = promisify(gzipCallback);

export interface DigestDeliveryDeps {
  events: EventStore;
  trails: TrailRegistry;
  journal: DigestJournal;
  keys: SigningKeyRing;
  bucket: (name: string) => ObjectStore;
  logger: Logger;
  now: () => number;
  /** Calls the checks; setInterval unless given (tests drive rounds with runOnce and flush). */
  timer?: RunnerTimer;
  /** Closes digest delivery when aborted. */
  signal?: AbortSignal;
  /** Told of failed rounds and given the runner's lag (metrics). */
  runnerObserver?: RunnerObserver;
}

export interface DigestDeliveryOptions {
  intervalMs: number;
  /** How often trails are checked for a due digest. */
  checkEveryMs: number;
}

/** A StopLogging whose own event was never recorded (a crash in between) stops being waited for. */
const STOP_PENDING_STALE_MS = 30_000;

function chainId(accountId: string, region: string): string {
  return `${accountId}\u0000${region}`;
}

const DONE: ConsumerOutcome = { kind: 'done' };
const IDLE: ConsumerOutcome = { kind: 'idle' };

export class DigestDelivery {
  private readonly runner: ConsumerRunner;
  /** Trails whose next round writes a digest whether or not one is due (runTrail with force). */
  private readonly forced = new Set<string>();

  constructor(
    private readonly deps: DigestDeliveryDeps,
    private readonly options: DigestDeliveryOptions,
  ) {
    const consumer: Consumer = {
      keys: () => this.deps.trails.all().map((t) => t.arn),
      consume: (arn) => this.digestRound(arn, this.forced.delete(arn)),
    };
    this.runner = new ConsumerRunner(
      { rounds: consumer },
      {
        name: 'digest delivery',
        intervalMs: options.checkEveryMs,
        // A failed round is tried again at the next check.
        retryInitialMs: 0,
        retryMaxMs: 0,
        logger: deps.logger,
        now: deps.now,
        ...(deps.timer ? { timer: deps.timer } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.runnerObserver ? { observer: deps.runnerObserver } : {}),
      },
    );
  }

  start(): void {
    this.runner.start();
  }

  /** Runs a round for every trail now, as a check does, and waits for it. */
  runOnce(): Promise<void> {
    return this.runner.runOnce();
  }

  /** Waits for the rounds in progress, then runs a round for every trail and waits for it. */
  flush(): Promise<void> {
    return this.runner.flush();
  }

  /** Waits for the trail's round to end and drops its journal (DeleteTrail). */
  async forget(arn: string): Promise<void> {
    await this.runner.forget(arn);
    await this.deps.journal.deleteTrail(arn);
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  /** Runs a round for the trail now, digesting even before the interval is up when `force`. */
  async runTrail(arn: string, force = false): Promise<void> {
    if (force) this.forced.add(arn);
    try {
      await this.runner.runNow(arn);
    } finally {
      this.forced.delete(arn);
    }
  }

  private async digestRound(arn: string, force: boolean): Promise<ConsumerOutcome> {
    const trail = this.deps.trails.get(arn);
    if (!trail) return IDLE;
    const journal = this.deps.journal;
    const state = await journal.state(arn);
    const active = trail.status.isLogging && trail.logFileValidationEnabled;
    if (!active) {
      // Finish the chains once the last log files of the logging period are delivered and digested.
      const chains = await journal.chains(arn);
      if (chains.length === 0 && !state?.planned) return IDLE;
      if (!(await this.logDeliveryCaughtUp(trail))) return IDLE;
      const undigested = (await journal.maxFileId(arn)) > (state?.digestedThroughId ?? 0n);
      if (undigested || state?.planned) {
        const final = await this.round(trail, state?.digestedThroughId ?? 0n, state);
        if (final.kind === 'retry') return final;
      }
      await journal.endChains(arn);
      return DONE;
    }
    const startMs = state?.lastEndMs ?? trail.status.startLoggingTimeMs ?? trail.createdAtMs;
    if (!force && !state?.planned && this.deps.now() - startMs < this.options.intervalMs) return IDLE;
    return this.round(trail, state?.digestedThroughId ?? 0n, state);
  }

  /** Log delivery has written every event up to where logging stopped, StopLogging's own event included. */
  private async logDeliveryCaughtUp(trail: Trail): Promise<boolean> {
    const pendingSince = trail.status.stopPendingSinceMs;
    if (pendingSince !== undefined && this.deps.now() - pendingSince < STOP_PENDING_STALE_MS) return false;
    const cursor = await this.deps.events.getCursorState(deliveryConsumer(trail.arn));
    if (!cursor) return true;
    return trail.status.stopSeq === undefined || cursor.seq >= BigInt(trail.status.stopSeq);
  }

  private async round(
    trail: Trail,
    digestedThroughId: bigint,
    state: Awaited<ReturnType<DigestJournal['state']>>,
  ): Promise<ConsumerOutcome> {
    const journal = this.deps.journal;
    const planned = state?.planned ?? {
      // Digest times are whole seconds.
      endMs: Math.floor(this.deps.now() / 1000) * 1000,
      throughId: await journal.maxFileId(trail.arn),
    };
    if (!state?.planned) await journal.plan(trail.arn, planned);
    const files = await journal.filesThrough(trail.arn, digestedThroughId, planned.throughId);
    const chains = new Map((await journal.chains(trail.arn)).map((c) => [chainId(c.accountId, c.region), c]));
    const chainStartMs = state?.lastEndMs ?? trail.status.startLoggingTimeMs ?? trail.createdAtMs;
    const groups = new Map<string, JournalEntry[]>();
    for (const f of files) {
      const id = chainId(f.accountId, f.region);
      groups.set(id, [...(groups.get(id) ?? []), f]);
      if (!chains.has(id)) {
        chains.set(id, {
          trailArn: trail.arn,
          accountId: f.accountId,
          region: f.region,
          startMs: chainStartMs,
        });
      }
    }
    const home = chainId(trail.accountId, trail.homeRegion);
    if (!chains.has(home)) {
      chains.set(home, {
        trailArn: trail.arn,
        accountId: trail.accountId,
        region: trail.homeRegion,
        startMs: chainStartMs,
      });
    }

    const bucket = this.deps.bucket(trail.s3BucketName);
    const next: DigestChain[] = [];
    try {
      for (const [id, chain] of chains) {
        const key = await this.keyFor(chain.region);
        const logFiles: DigestLogFile[] = (groups.get(id) ?? []).map((f) => ({
          s3Bucket: f.bucket,
          s3Object: f.key,
          hashValue: f.sha256,
          hashAlgorithm: 'SHA-256',
          newestEventTime: digestTime(f.newestEventMs),
          oldestEventTime: digestTime(f.oldestEventMs),
        }));
        const objectKey = digestKey({
          ...(trail.s3KeyPrefix ? { s3KeyPrefix: trail.s3KeyPrefix } : {}),
          ...(trail.isOrganizationTrail && trail.organizationId
            ? { organizationId: trail.organizationId }
            : {}),
          accountId: chain.accountId,
          region: chain.region,
          trailName: trail.name,
          trailHomeRegion: trail.homeRegion,
          endTimeMs: planned.endMs,
        });
        const digest = buildDigest({
          accountId: chain.accountId,
          startTimeMs: Math.min(chain.startMs, planned.endMs),
          endTimeMs: planned.endMs,
          bucket: trail.s3BucketName,
          key: objectKey,
          fingerprint: key.fingerprint,
          logFiles,
          ...(chain.previous ? { previous: chain.previous } : {}),
        });
        const body = serializeDigest(digest);
        const signature = key.sign(digestStringToSign(digest, body));
        await bucket.put(objectKey, await gzip(body), {
          contentType: 'application/json',
          contentEncoding: 'gzip',
          metadata: { signature, 'signature-algorithm': SIGNATURE_ALGORITHM },
        });
        next.push({
          ...chain,
          startMs: planned.endMs,
          previous: { bucket: trail.s3BucketName, key: objectKey, hashValue: sha256Hex(body), signature },
        });
      }
      await journal.commitRound(
        { trailArn: trail.arn, digestedThroughId: planned.throughId, lastEndMs: planned.endMs },
        next,
      );
    } catch (error) {
      // The runner logs the failure and retries at the next check.
      await this.updateStatus(trail.arn, (s) => ({ ...s, latestDigestDeliveryError: errorCodeOf(error) }));
      return { kind: 'retry', error };
    }
    const doneMs = this.deps.now();
    await this.updateStatus(trail.arn, (s) => {
      const { latestDigestDeliveryError: _cleared, ...rest } = s;
      return { ...rest, latestDigestDeliveryTimeMs: doneMs };
    });
    return DONE;
  }

  private keyFor(region: string): ReturnType<SigningKeyRing['current']> {
    return this.deps.keys.current(region);
  }

  private async updateStatus(
    arn: string,
    change: (status: Trail['status']) => Trail['status'],
  ): Promise<void> {
    try {
      await this.deps.trails.update(arn, (t) => ({ ...t, status: change(t.status) }));
    } catch {
      // The trail was deleted meanwhile.
    }
  }
}

function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'Unavailable') return 'ServiceUnavailable';
  return typeof code === 'string' ? code : 'InternalError';
}
