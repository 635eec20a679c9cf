import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordResponse } from '../api/index.ts';
import { addSourceFailure, addToTally, createRecordTally } from './record-tally.ts';

function failures(count: number): RecordResponse['failed'] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    errorCode: 'InvalidEventTime',
    errorMessage: 'not a time',
  }));
}

describe('addToTally()', () => {
  it('counts recorded, duplicate and failed records and those outside the history window', () => {
    const tally = createRecordTally();
    addToTally(
      tally,
      {
        successful: [
          { index: 0, eventID: 'a', status: 'recorded' },
          { index: 1, eventID: 'b', status: 'duplicate' },
          { index: 2, eventID: 'c', status: 'recorded' },
        ],
        failed: failures(1),
        outsideHistoryWindow: 1,
      },
      'f.json',
    );
    assert.deepEqual(tally, {
      recorded: 2,
      duplicates: 1,
      failed: 1,
      outsideHistoryWindow: 1,
      failures: ['f.json: record 0: InvalidEventTime: not a time'],
    });
  });

  it('keeps five failure lines of a response and twenty in all, counting every failure', () => {
    const tally = createRecordTally();
    for (let i = 0; i < 5; i++)
      addToTally(tally, { successful: [], failed: failures(8), outsideHistoryWindow: 0 }, `${i}.json`);
    assert.equal(tally.failed, 40);
    assert.equal(tally.failures.length, 20);
    assert.equal(tally.failures.filter((line) => line.startsWith('0.json:')).length, 5);
    assert.equal(tally.failures.filter((line) => line.startsWith('4.json:')).length, 0);
  });
});

describe('addSourceFailure()', () => {
  it('names the source and stops at twenty lines', () => {
    const tally = createRecordTally();
    for (let i = 0; i < 21; i++) addSourceFailure(tally, `${i}.json.gz`, 'unexpected end of file');
    assert.equal(tally.failures.length, 20);
    assert.equal(tally.failures[0], '0.json.gz: unexpected end of file');
  });
});
