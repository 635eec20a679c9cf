/**
 * One contract, run unchanged against every AuditJournal adapter (in memory and the data
 * directory's file). Each adapter's test calls it with a factory for a fresh, empty journal;
 * durable adapters also give `reopen`, which closes the journal and opens it again from what it
 * wrote, as a restart does.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AuditIntent, AuditJournal } from './audit-journal.ts';

export function intentFor(eventId: string, extra: Partial<AuditIntent> = {}): AuditIntent {
  return {
    eventId,
    principal: {
      accountId: '111122223333',
      userName: 'alice',
      userId: 'AIDAALICE000000000001',
      arn: 'arn:aws:iam::111122223333:user/alice',
      accessKeyId: 'AKIAALICE00000000001',
    },
    region: 'us-east-1',
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'CreateTrail',
    readOnly: false,
    category: 'Management',
    requestParameters: { name: 'trail-1', s3BucketName: 'logs' },
    sourceIPAddress: '127.0.0.1',
    userAgent: 'aws-cli/2.15.0',
    requestId: `request-of-${eventId}`,
    timeMs: 1_767_225_600_000,
    ...extra,
  };
}

export interface JournalUnderTest {
  journal: AuditJournal;
  /** Closes the journal and opens it again on what it wrote (durable adapters only). */
  reopen?: () => Promise<AuditJournal>;
}

export function auditJournalContract(make: () => Promise<JournalUnderTest>): void {
  it('pending() gives back written intents as they were written, in write order', async () => {
    const { journal } = await make();
    const withSession = intentFor('e-2', {
      principal: {
        ...intentFor('x').principal,
        session: {
          issuedMs: 1,
          expiresMs: 2,
          sourceAccessKeyId: 'AKIAALICE00000000001',
          tags: { team: 'ü' },
        },
      },
      requestParameters: {
        nested: { deeper: [1, 'two', null, { three: true }] },
        text: 'line\nbreak "quoted" \u2028',
      },
      resources: [
        {
          ARN: 'arn:aws:cloudtrail:us-east-1:444455556666:channel/c',
          accountId: '444455556666',
          type: 'AWS::CloudTrail::Channel',
        },
      ],
      copies: [{ recipientAccountId: '444455556666', eventId: 'e-2-copy' }],
      sharedEventId: 'shared-2',
    });
    await journal.write(intentFor('e-1'));
    await journal.write(withSession);
    await journal.write(intentFor('e-3', { requestParameters: null }));
    assert.deepEqual(await journal.pending(), [
      intentFor('e-1'),
      withSession,
      intentFor('e-3', { requestParameters: null }),
    ]);
    await journal.close();
  });

  it('drop() forgets the intents named and ignores IDs it does not hold', async () => {
    const { journal } = await make();
    for (const id of ['a', 'b', 'c']) await journal.write(intentFor(id));
    await journal.drop(['b', 'nobody']);
    assert.deepEqual(
      (await journal.pending()).map((i) => i.eventId),
      ['a', 'c'],
    );
    await journal.drop(['a', 'c']);
    assert.deepEqual(await journal.pending(), []);
    await journal.write(intentFor('d'));
    assert.deepEqual(
      (await journal.pending()).map((i) => i.eventId),
      ['d'],
    );
    await journal.close();
  });

  it('write() resolves for every one of many concurrent intents, each then pending', async () => {
    const { journal } = await make();
    const ids = Array.from({ length: 50 }, (_, i) => `concurrent-${i}`);
    await Promise.all(ids.map((id) => journal.write(intentFor(id))));
    assert.deepEqual(new Set((await journal.pending()).map((i) => i.eventId)), new Set(ids));
    await journal.close();
  });

  it('keeps written intents that were not dropped across a reopen (durable adapters)', async (t) => {
    const { journal, reopen } = await make();
    if (!reopen) return t.skip('held in memory');
    for (const id of ['kept-1', 'gone', 'kept-2']) await journal.write(intentFor(id));
    await journal.drop(['gone']);
    const again = await reopen();
    const ids = (await again.pending()).map((i) => i.eventId);
    assert.ok(ids.includes('kept-1') && ids.includes('kept-2'), `pending after reopen: ${ids.join(', ')}`);
    assert.deepEqual(
      (await again.pending()).find((i) => i.eventId === 'kept-2'),
      intentFor('kept-2'),
    );
    await again.close();
  });
}
