/** Worker thread body: parses recording batches off the event loop (see ParsePool). */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { isServiceError } from '../errors.ts';
import { parseRecordBatch } from './parse-batch.ts';

export interface ParseRequest {
  id: number;
  body: Uint8Array;
  awsRegion: string;
  recipientAccountId: string;
}

parentPort?.on('message', (request: ParseRequest) => {
  try {
    const records = parseRecordBatch(request.body, {
      eventID: randomUUID,
      awsRegion: request.awsRegion,
      recipientAccountId: request.recipientAccountId,
    });
    parentPort?.postMessage({ id: request.id, records });
  } catch (error) {
    const failure = isServiceError(error)
      ? { code: error.code, message: error.message }
      : { code: 'InternalFailure', message: String(error) };
    parentPort?.postMessage({ id: request.id, failure });
  }
});
