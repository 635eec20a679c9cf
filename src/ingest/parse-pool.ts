/**
 * Parsing and validating recording batches is the write path's main CPU cost; a small pool of
 * worker threads does it beside the event loop, which then only moves bytes and commits.
 * Small bodies are parsed in place: a round trip to a worker would cost more than it saves.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ServiceError, type ErrorCode } from '../errors.ts';
import {
  parseRecordBatch,
  recordsOfColumns,
  type BatchDefaults,
  type ParsedColumns,
  type ParsedRecord,
} from './parse-batch.ts';

const ENTRY = new URL('./parse-worker.ts', import.meta.url).href;
const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

/**
 * The bundle of parse-worker.ts, which bin/opentrail.js names when the server runs from its bundle:
 * the worker then loads it as it is. From the sources (tsx: tests, OPENTRAIL_TSX) the worker
 * starts through worker-bootstrap.mjs, which registers tsx first.
 */
function bundledWorker(): URL | undefined {
  const href = (globalThis as Record<symbol, unknown>)[Symbol.for('opentrail.parseWorker')];
  return typeof href === 'string' ? new URL(href) : undefined;
}

/** Room for the records of several large batches between scavenges (V8's default holds about one). */
const YOUNG_GENERATION_MB = 96;

/** Bodies below this many bytes are parsed on the calling thread. */
export const INLINE_PARSE_BYTES = 64 * 1024;

interface Pending {
  body: Uint8Array;
  resolve: (records: ParsedRecord[]) => void;
  reject: (error: unknown) => void;
}

type Reply =
  { id: number; columns: ParsedColumns } | { id: number; failure: { code: ErrorCode; message: string } };

export class ParsePool {
  private readonly workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private next = 0;
  private nextId = 0;
  private closed = false;

  /** `workerUrl`: the bundled worker to run (default: the one bin/opentrail.js names, if any). */
  constructor(
    private readonly size: number,
    private readonly workerUrl: URL | undefined = bundledWorker(),
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  private spawn(): { worker: Worker; pending: Map<number, Pending> } {
    const worker = new Worker(this.workerUrl ?? BOOTSTRAP, {
      workerData: { entry: ENTRY },
      // A batch's parsed records all live until the batch is done: in V8's default young
      // generation a scavenge lands mid-batch, copies them and promotes them to the old generation.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const slot = { worker, pending: new Map<number, Pending>() };
    worker.on('message', (reply: Reply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if ('failure' in reply) pending.reject(new ServiceError(reply.failure.code, reply.failure.message));
      else pending.resolve(recordsOfColumns(reply.columns, pending.body));
    });
    const fail = (error: unknown): void => {
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      if (!this.closed) {
        const index = this.workers.indexOf(slot);
        if (index >= 0) this.workers[index] = this.spawn();
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`parse worker exited with code ${code}`));
    });
    worker.unref();
    return slot;
  }

  /** Parses a batch; `defaults` crosses to a worker by structured clone (the scope's Map too). */
  parse(body: Uint8Array, defaults: Omit<BatchDefaults, 'eventID'>): Promise<ParsedRecord[]> {
    if (this.size === 0 || body.length < INLINE_PARSE_BYTES) {
      return new Promise((resolve) => resolve(parseRecordBatch(body, { eventID: randomUUID, ...defaults })));
    }
    const slot = this.workers[this.next++ % this.workers.length] as (typeof this.workers)[number];
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // An idle worker does not hold the process open; one with work in hand does.
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { body, resolve, reject });
      slot.worker.postMessage({ id, body, ...defaults });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
