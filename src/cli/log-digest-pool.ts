/**
 * Log files of a local bucket read, inflated and hashed on worker threads. Validating a trail is
 * mostly that work (inflating 16 MB of log files takes longer than hashing them), and one thread
 * does it on one core. Requests made in the same turn of the event loop go to the workers in
 * batches: a message per file would cost the main thread more than the file.
 */
import { Worker } from 'node:worker_threads';
import { digestLogFile, type LogFileDigest } from '../integrity/index.ts';
import { readObjectFile } from '../local/index.ts';

/** Files per message: enough to amortise a message, few enough to share the work out evenly. */
const BATCH_FILES = 64;

/** What the main thread asks of a worker (log-digest-worker.ts). */
export interface LogDigestRequest {
  id: number;
  paths: string[];
}

export type LogDigestReply = { id: number; digests: LogFileDigest[] } | { id: number; error: string };

interface Pending {
  path: string;
  resolve: (digest: LogFileDigest) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  batches: Map<number, Pending[]>;
  files: number;
}

export class LogDigestPool {
  private readonly slots: Slot[] = [];
  private queue: Pending[] = [];
  private flushing = false;
  private nextId = 0;
  private closed = false;
  /** Log files whose digests came back from a worker. */
  private workerFiles = 0;

  /** `script`: log-digest-worker.ts as bin/opentrail.js bundles it. */
  constructor(script: URL, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script);
      const slot: Slot = { worker, batches: new Map(), files: 0 };
      worker.on('message', (reply: LogDigestReply) => this.settle(slot, reply));
      const fail = (error: unknown): void => {
        for (const batch of slot.batches.values()) for (const p of batch) p.reject(error);
        slot.batches.clear();
        slot.files = 0;
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots.splice(index, 1);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`log digest worker exited with code ${code}`));
      });
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** The digest of the log file at `path` (readObjectFile's path: undefined content is missing). */
  digest(path: string): Promise<LogFileDigest> {
    if (this.closed || this.slots.length === 0) {
      return new Promise((resolve) => resolve(digestLogFile(readObjectFile(path))));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ path, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushing = false;
    const queue = this.queue;
    this.queue = [];
    // Shared out evenly, in batches of at most BATCH_FILES.
    const size = Math.min(BATCH_FILES, Math.ceil(queue.length / Math.max(1, this.slots.length)));
    for (let at = 0; at < queue.length; at += size) {
      const batch = queue.slice(at, at + size);
      // The least busy worker; with none left, the work is done here.
      const slot = this.slots.reduce<Slot | undefined>(
        (a, b) => (a && a.files <= b.files ? a : b),
        undefined,
      );
      if (!slot) {
        for (const p of batch) {
          try {
            p.resolve(digestLogFile(readObjectFile(p.path)));
          } catch (error) {
            p.reject(error);
          }
        }
        continue;
      }
      const id = this.nextId++;
      slot.batches.set(id, batch);
      slot.files += batch.length;
      if (slot.batches.size === 1) slot.worker.ref();
      slot.worker.postMessage({ id, paths: batch.map((p) => p.path) } satisfies LogDigestRequest);
    }
  }

  private settle(slot: Slot, reply: LogDigestReply): void {
    const batch = slot.batches.get(reply.id);
    if (!batch) return;
    slot.batches.delete(reply.id);
    slot.files -= batch.length;
    if (slot.batches.size === 0) slot.worker.unref();
    if ('error' in reply) {
      const error = new Error(reply.error);
      for (const p of batch) p.reject(error);
      return;
    }
    this.workerFiles += batch.length;
    batch.forEach((p, i) => p.resolve(reply.digests[i] as LogFileDigest));
  }

  /** Workers still running, and the log files they have digested. */
  stats(): { workers: number; workerFiles: number } {
    return { workers: this.slots.length, workerFiles: this.workerFiles };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) void slot.worker.terminate();
  }
}
