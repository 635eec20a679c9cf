/** Worker thread body: parses recording batches off the event loop (see ParsePool). */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { isServiceError } from '../errors.ts';
import { parseRecordColumns, type BatchDefaults } from './parse-batch.ts';

/** The batch defaults but the eventID function, which does not cross threads. */
export type ParseRequest = { id: number; body: Uint8Array } & Omit<BatchDefaults, 'eventID'>;

parentPort?.on('message', (request: ParseRequest) => {
  try {
    const { id: _id, body, ...defaults } = request;
    const columns = parseRecordColumns(body, { eventID: randomUUID, ...defaults });
    // The typed arrays move to the main thread without a copy.
    const transfer = [
      columns.fields,
      columns.readOnly,
      columns.eventTimeMs,
      columns.resourceCounts,
      columns.resources,
      columns.textStart,
      columns.textEnd,
    ].map((a) => a.buffer as ArrayBuffer);
    parentPort?.postMessage({ id: request.id, columns }, transfer);
  } catch (error) {
    const failure = isServiceError(error)
      ? { code: error.code, message: error.message }
      : { code: 'InternalFailure', message: String(error) };
    parentPort?.postMessage({ id: request.id, failure });
  }
});
