/** What `record` and `import` report: the outcomes of their POST /v1/records calls, added up. */
import type { RecordResponse } from '../api/index.ts';

/** Failure lines kept per response and in all. */
const FAILURES_PER_RESPONSE = 5;
const FAILURES_KEPT = 20;

export interface RecordTally {
  recorded: number;
  duplicates: number;
  failed: number;
  outsideHistoryWindow: number;
  /** The first failures, each `source: record N: code: message` (or `source: message`). */
  failures: string[];
}

export function createRecordTally(): RecordTally {
  return { recorded: 0, duplicates: 0, failed: 0, outsideHistoryWindow: 0, failures: [] };
}

export function addToTally(tally: RecordTally, response: RecordResponse, source: string): void {
  for (const s of response.successful) {
    if (s.status === 'recorded') tally.recorded++;
    else tally.duplicates++;
  }
  tally.failed += response.failed.length;
  tally.outsideHistoryWindow += response.outsideHistoryWindow;
  for (const f of response.failed.slice(0, FAILURES_PER_RESPONSE)) {
    if (tally.failures.length < FAILURES_KEPT)
      tally.failures.push(`${source}: record ${f.index}: ${f.errorCode}: ${f.errorMessage}`);
  }
}

/** Adds a failure of a whole source (a file that could not be read), within the same limit. */
export function addSourceFailure(tally: RecordTally, source: string, message: string): void {
  if (tally.failures.length < FAILURES_KEPT) tally.failures.push(`${source}: ${message}`);
}

export function printTally(tally: RecordTally, what: string): void {
  console.log(
    `${what}: ${tally.recorded} recorded, ${tally.duplicates} already present, ${tally.failed} failed` +
      (tally.outsideHistoryWindow > 0
        ? ` (${tally.outsideHistoryWindow} are older than the Event history window and do not show in lookup; see serve --history-retention-days)`
        : ''),
  );
  for (const line of tally.failures) console.error(line);
}
