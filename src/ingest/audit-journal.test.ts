import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryEventStore } from '../store/memory-event-store.ts';
import { intentFor } from './audit-journal.contract.ts';
import { auditRecordsOf, recoverAuditIntents, unknownOutcome } from './audit-journal.ts';
import { MemoryAuditJournal } from './memory-audit-journal.ts';

const RECOVERED_MS = Date.parse('2026-03-04T05:06:07.890Z');

async function recordsIn(store: MemoryEventStore): Promise<Record<string, unknown>[]> {
  return (await store.readAfter(0n, 10_000)).map((e) => JSON.parse(e.raw) as Record<string, unknown>);
}

describe('auditRecordsOf()', () => {
  it("writes the intent's fields and the outcome, and a copy for each other account with its own eventID", () => {
    const intent = intentFor('own-id', {
      copies: [{ recipientAccountId: '444455556666', eventId: 'copy-id' }],
      sharedEventId: 'shared-id',
    });
    const [own, copy, ...rest] = auditRecordsOf(intent, {
      responseElements: { trailARN: 'arn' },
    }).map((e) => ({ event: e, record: JSON.parse(e.raw) as Record<string, unknown> }));
    assert.equal(rest.length, 0);
    assert.equal(own?.event.eventId, 'own-id');
    assert.equal(own?.event.accountId, '111122223333');
    assert.equal(own?.record.requestID, 'request-of-own-id');
    assert.deepEqual(own?.record.requestParameters, { name: 'trail-1', s3BucketName: 'logs' });
    assert.deepEqual(own?.record.responseElements, { trailARN: 'arn' });
    assert.equal(own?.record.sharedEventID, 'shared-id');
    assert.equal(own?.record.eventTime, '2026-01-01T00:00:00Z');
    assert.equal(copy?.event.eventId, 'copy-id');
    assert.equal(copy?.event.accountId, '444455556666');
    assert.equal(copy?.record.recipientAccountId, '444455556666');
    assert.equal(copy?.record.sharedEventID, 'shared-id');
    assert.equal((copy?.record.userIdentity as { type?: string }).type, 'AWSAccount');
  });
});

describe('recoverAuditIntents()', () => {
  it('appends the record of an intent the log lacks, its outcome unknown, and drops the intent', async () => {
    const store = new MemoryEventStore();
    const journal = new MemoryAuditJournal();
    await journal.write(intentFor('lost-1'));
    assert.deepEqual(await recoverAuditIntents(journal, store, RECOVERED_MS), {
      recovered: 1,
      alreadyRecorded: 0,
    });
    const [record, ...rest] = await recordsIn(store);
    assert.equal(rest.length, 0);
    assert.equal(record?.eventID, 'lost-1');
    assert.equal(record?.eventName, 'CreateTrail');
    assert.equal(record?.eventTime, '2026-01-01T00:00:00Z', 'the time of the call, not of the recovery');
    assert.equal(record?.errorCode, undefined);
    assert.equal(record?.responseElements, null);
    assert.deepEqual(record?.additionalEventData, unknownOutcome(RECOVERED_MS).additionalEventData);
    assert.equal(
      (record?.additionalEventData as { recoveredTime?: string }).recoveredTime,
      '2026-03-04T05:06:07Z',
    );
    assert.deepEqual(await journal.pending(), []);
  });

  it('appends nothing for an intent whose record the log already holds', async () => {
    const store = new MemoryEventStore();
    const journal = new MemoryAuditJournal();
    const done = intentFor('done-1');
    await store.append(auditRecordsOf(done, { responseElements: { ok: true } }));
    await journal.write(done);
    await journal.write(intentFor('lost-2'));
    assert.deepEqual(await recoverAuditIntents(journal, store, RECOVERED_MS), {
      recovered: 1,
      alreadyRecorded: 1,
    });
    const records = await recordsIn(store);
    assert.deepEqual(
      records.map((r) => [r.eventID, r.responseElements]),
      [
        ['done-1', { ok: true }],
        ['lost-2', null],
      ],
    );
    assert.deepEqual(await recoverAuditIntents(journal, store, RECOVERED_MS), {
      recovered: 0,
      alreadyRecorded: 0,
    });
  });

  it("recovers the copies for other accounts along with the caller's record", async () => {
    const store = new MemoryEventStore();
    const journal = new MemoryAuditJournal();
    await journal.write(
      intentFor('own', {
        copies: [{ recipientAccountId: '444455556666', eventId: 'copy' }],
        sharedEventId: 's',
      }),
    );
    await recoverAuditIntents(journal, store, RECOVERED_MS);
    assert.deepEqual(
      (await recordsIn(store)).map((r) => [r.eventID, r.recipientAccountId, r.sharedEventID]),
      [
        ['own', '111122223333', 's'],
        ['copy', '444455556666', 's'],
      ],
    );
  });

  it('recovers more intents than one append takes, each once', async () => {
    const store = new MemoryEventStore();
    const journal = new MemoryAuditJournal();
    for (let i = 0; i < 2500; i++) await journal.write(intentFor(`many-${i}`));
    assert.deepEqual(await recoverAuditIntents(journal, store, RECOVERED_MS), {
      recovered: 2500,
      alreadyRecorded: 0,
    });
    assert.equal(new Set((await recordsIn(store)).map((r) => r.eventID)).size, 2500);
    assert.deepEqual(await journal.pending(), []);
  });

  it('keeps the intents when the append fails, for the next start', async () => {
    const journal = new MemoryAuditJournal();
    await journal.write(intentFor('kept'));
    const failing = { append: () => Promise.reject(new Error('I/O error')) };
    await assert.rejects(recoverAuditIntents(journal, failing, RECOVERED_MS), /I\/O error/);
    assert.deepEqual(
      (await journal.pending()).map((i) => i.eventId),
      ['kept'],
    );
  });
});
