/**
 * The worker thread of LogDigestPool (log-digest-pool.ts): reads local log files, inflates and
 * hashes them. An entry of its own, bundled apart by bin/opentrail.js, so that a worker loads
 * these few modules instead of the whole validate command: a worker running the validate bundle
 * was ready 55-60 ms after it was started and spent some 40 ms of CPU compiling it, on a machine
 * whose two cores the main thread needs too; this one is ready in about 25 ms.
 */
import { parentPort } from 'node:worker_threads';
import { digestLogFile } from '../integrity/log-file-digest.ts';
import { readObjectFile } from '../local/local-dir-object-store.ts';
import type { LogDigestReply, LogDigestRequest } from './log-digest-pool.ts';

/** Answers each request with the digests of its files, in order. */
export function serveLogDigests(): void {
  const port = parentPort;
  if (!port) throw new Error('serveLogDigests() runs on a worker thread');
  port.on('message', (request: LogDigestRequest) => {
    let reply: LogDigestReply;
    try {
      reply = { id: request.id, digests: request.paths.map((path) => digestLogFile(readObjectFile(path))) };
    } catch (error) {
      reply = { id: request.id, error: (error as Error).message };
    }
    port.postMessage(reply);
  });
}

serveLogDigests();
