/**
 * One contract, run unchanged against every EventStore adapter (the in-memory log and DuckDB).
 * Each adapter's test file calls this with a factory for a fresh, empty log whose clock is the one
 * given; adapters that persist also give `reopen`, which closes the log and opens it again.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { EventStore, LookupAttributeKey, LookupQuery, NewEvent, StoredEvent } from './event-store.ts';

export interface EventStoreUnderTest {
  store: EventStore;
  /** Closes the log and opens it again from what it persisted. */
  reopen?: () => Promise<EventStore>;
}

export type EventStoreFactory = (options: { now: () => number }) => Promise<EventStoreUnderTest>;

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const RECORDED_MS = Date.parse('2026-05-01T12:00:00.000Z');
const DAY_MS = 86_400_000;

/** A log event with plain values in every lookup column, for tests of event stores and consumers. */
export function testEvent(id: string, timeMs: number, extra: Partial<NewEvent> = {}): NewEvent {
  const event: NewEvent = {
    eventId: id,
    accountId: ACCOUNT,
    region: 'us-east-1',
    eventTimeMs: timeMs,
    eventName: 'PutThing',
    eventSource: 'things.amazonaws.com',
    username: 'alice',
    accessKeyId: 'AKIA1',
    readOnly: false,
    category: 'Management',
    resourceTypes: [],
    resourceNames: [],
    raw: '',
    ...extra,
  };
  return { ...event, raw: extra.raw ?? recordTextOf(event) };
}

/**
 * A record text whose lookup values (events/lookup-fields.ts) are the event's: what the recording
 * path appends, and what a store may derive an event's lookup values from.
 */
function recordTextOf(e: NewEvent): string {
  return JSON.stringify({
    eventID: e.eventId,
    eventName: e.eventName,
    eventSource: e.eventSource,
    ...(e.username !== null || e.accessKeyId !== null
      ? {
          userIdentity: {
            type: 'IAMUser',
            ...(e.username !== null ? { userName: e.username } : {}),
            ...(e.accessKeyId !== null ? { accessKeyId: e.accessKeyId } : {}),
          },
        }
      : {}),
    ...(e.readOnly !== null ? { readOnly: e.readOnly } : {}),
    ...(e.resourceTypes.length > 0
      ? { resources: e.resourceTypes.map((type, i) => ({ type, ARN: e.resourceNames[i] })) }
      : {}),
  });
}

const QUERY = {
  accountId: ACCOUNT,
  region: 'us-east-1',
  category: 'Management' as const,
  startMs: 0,
  endMs: 9e15,
  limit: 100,
};

function ids(events: readonly { eventId: string }[]): string[] {
  return events.map((e) => e.eventId);
}

function seqOf(outcome: unknown): bigint {
  assert.equal((outcome as { status: string }).status, 'recorded');
  return (outcome as { seq: bigint }).seq;
}

export function eventStoreContract(make: EventStoreFactory): void {
  const fresh = (now: () => number = () => RECORDED_MS): Promise<EventStoreUnderTest> => make({ now });

  it('append() numbers events from 1 in input order and reports duplicates of (account, eventID)', async () => {
    const { store } = await fresh();
    assert.equal(store.lastSeq(), 0n);
    assert.deepEqual(await store.append([]), []);
    assert.deepEqual(await store.append([testEvent('a', 1000), testEvent('b', 2000), testEvent('a', 1000)]), [
      { status: 'recorded', seq: 1n },
      { status: 'recorded', seq: 2n },
      { status: 'duplicate' },
    ]);
    assert.deepEqual(
      await store.append([
        testEvent('b', 2000),
        testEvent('c', 3000),
        testEvent('a', 1000, { accountId: OTHER_ACCOUNT }),
      ]),
      [{ status: 'duplicate' }, { status: 'recorded', seq: 3n }, { status: 'recorded', seq: 4n }],
      'the same eventID in another account is another event',
    );
    assert.deepEqual(await store.append([testEvent('b', 2000)]), [{ status: 'duplicate' }]);
    assert.equal(store.lastSeq(), 4n);
  });

  it('readAfter() returns every field as appended, in sequence order, within (afterSeq, toSeq] and the limit', async () => {
    let clock = RECORDED_MS;
    const { store } = await fresh(() => clock);
    const full = testEvent('full', 1500, {
      username: null,
      accessKeyId: null,
      readOnly: null,
      category: 'Data',
      resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::Object'],
      resourceNames: ['bkt', 'arn:aws:s3:::bkt/key'],
      raw: '{"eventID":"full","note":"caf\u00e9 \u{1f600} \u001e"}',
    });
    await store.append([testEvent('a', 1000), full]);
    clock += 5000;
    await store.append([testEvent('c', 500), testEvent('d', 4000)]);

    const all = await store.readAfter(0n, 100);
    assert.deepEqual(ids(all), ['a', 'full', 'c', 'd']);
    assert.deepEqual(
      all.map((e) => e.seq),
      [1n, 2n, 3n, 4n],
    );
    assert.deepEqual(all[1], { ...full, seq: 2n, recordedAtMs: RECORDED_MS } satisfies StoredEvent);
    assert.equal(all[3]?.recordedAtMs, RECORDED_MS + 5000, 'recordedAtMs is the clock at the append');
    assert.deepEqual(ids(await store.readAfter(1n, 2)), ['full', 'c']);
    assert.deepEqual(ids(await store.readAfter(1n, 100, 3n)), ['full', 'c']);
    assert.deepEqual(ids(await store.readAfter(4n, 100)), []);
    assert.deepEqual(ids(await store.readAfter(2n, 100, 2n)), []);
  });

  it('readForDelivery() reads the same ranges with what log file delivery needs', async () => {
    const { store } = await fresh();
    const [a, b] = [testEvent('a', 1000), testEvent('b', 2000, { region: 'eu-west-1', category: 'Data' })];
    await store.append([a, b]);
    await store.append([testEvent('c', 3000)]);
    assert.deepEqual(await store.readForDelivery(0n, 100, 2n), [
      {
        seq: 1n,
        accountId: ACCOUNT,
        region: 'us-east-1',
        eventSource: 'things.amazonaws.com',
        category: 'Management',
        eventTimeMs: 1000,
        recordedAtMs: RECORDED_MS,
        raw: a.raw,
      },
      {
        seq: 2n,
        accountId: ACCOUNT,
        region: 'eu-west-1',
        eventSource: 'things.amazonaws.com',
        category: 'Data',
        eventTimeMs: 2000,
        recordedAtMs: RECORDED_MS,
        raw: b.raw,
      },
    ]);
    assert.deepEqual(
      (await store.readForDelivery(1n, 1)).map((e) => e.seq),
      [2n],
    );
    assert.deepEqual(
      (await store.readForDelivery(1n, 100)).map((e) => e.seq),
      [2n, 3n],
    );
  });

  it('lookup() returns one account, region and category newest first, and filters by each attribute', async () => {
    const { store } = await fresh();
    await store.append([testEvent('a', 1000), testEvent('b', 2000), testEvent('c', 3000)]);
    await store.append([
      testEvent('d', 4000, {
        eventName: 'GetThing',
        readOnly: true,
        username: 'bob',
        accessKeyId: 'AKIA2',
        eventSource: 'other.amazonaws.com',
        resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::Bucket'],
        resourceNames: ['bkt', 'bkt-2'],
      }),
      testEvent('e', 4000, { accountId: OTHER_ACCOUNT }),
      testEvent('f', 4000, { region: 'eu-west-1' }),
      testEvent('g', 4000, { category: 'Data' }),
      testEvent('h', 500, { username: null, accessKeyId: null, readOnly: null }),
      testEvent('i', 600, { category: 'Insight', eventName: 'PutThing' }),
    ]);
    const lookup = async (attribute?: { key: LookupAttributeKey; value: string }): Promise<string[]> =>
      ids(await store.lookup({ ...QUERY, maxSeq: store.lastSeq(), ...(attribute ? { attribute } : {}) }));
    assert.deepEqual(await lookup(), ['d', 'c', 'b', 'a', 'h']);
    assert.deepEqual(await lookup({ key: 'EventId', value: 'b' }), ['b']);
    assert.deepEqual(await lookup({ key: 'EventId', value: 'e' }), [], "another account's event");
    assert.deepEqual(await lookup({ key: 'EventName', value: 'GetThing' }), ['d']);
    assert.deepEqual(await lookup({ key: 'ReadOnly', value: 'true' }), ['d']);
    assert.deepEqual(await lookup({ key: 'ReadOnly', value: 'false' }), ['c', 'b', 'a']);
    assert.deepEqual(await lookup({ key: 'ReadOnly', value: 'maybe' }), []);
    assert.deepEqual(await lookup({ key: 'Username', value: 'bob' }), ['d']);
    assert.deepEqual(
      await lookup({ key: 'ResourceType', value: 'AWS::S3::Bucket' }),
      ['d'],
      'once per event',
    );
    assert.deepEqual(await lookup({ key: 'ResourceName', value: 'bkt-2' }), ['d']);
    assert.deepEqual(await lookup({ key: 'ResourceName', value: 'bk' }), [], 'names match whole');
    assert.deepEqual(await lookup({ key: 'EventSource', value: 'other.amazonaws.com' }), ['d']);
    assert.deepEqual(await lookup({ key: 'AccessKeyId', value: 'AKIA2' }), ['d']);
    assert.deepEqual(ids(await store.lookup({ ...QUERY, category: 'Insight', maxSeq: store.lastSeq() })), [
      'i',
    ]);
    const [d] = await store.lookup({ ...QUERY, maxSeq: store.lastSeq(), limit: 1 });
    assert.deepEqual(d?.resourceNames, ['bkt', 'bkt-2']);
    assert.equal((JSON.parse(d?.raw ?? '{}') as { eventID?: string }).eventID, 'd');
  });

  it('lookup() includes both ends of [startMs, endMs] and orders equal times by sequence, newest first', async () => {
    const { store } = await fresh();
    await store.append([
      testEvent('t1', 1000),
      testEvent('t2a', 2000),
      testEvent('t2b', 2000),
      testEvent('t3', 3000),
    ]);
    await store.append([testEvent('t2c', 2000), testEvent('t4', 4000)]);
    const within = async (startMs: number, endMs: number, attribute?: LookupQuery['attribute']) =>
      ids(
        await store.lookup({
          ...QUERY,
          startMs,
          endMs,
          maxSeq: store.lastSeq(),
          ...(attribute ? { attribute } : {}),
        }),
      );
    assert.deepEqual(await within(2000, 3000), ['t3', 't2c', 't2b', 't2a']);
    assert.deepEqual(await within(2001, 2999), []);
    assert.deepEqual(await within(2000, 2000, { key: 'EventName', value: 'PutThing' }), [
      't2c',
      't2b',
      't2a',
    ]);
    assert.deepEqual(await within(0, 1000), ['t1']);
  });

  it('lookup() pages after a position and never shows events past its maxSeq snapshot', async () => {
    const { store } = await fresh();
    await store.append([
      testEvent('a', 1000),
      testEvent('b', 2000),
      testEvent('c', 3000),
      testEvent('d', 4000),
    ]);
    const snapshot = store.lastSeq();
    const page1 = await store.lookup({ ...QUERY, maxSeq: snapshot, limit: 2 });
    assert.deepEqual(ids(page1), ['d', 'c']);
    await store.append([testEvent('late', 3500), testEvent('newest', 9000)]);
    const last = page1[1] as StoredEvent;
    const page2 = await store.lookup({
      ...QUERY,
      maxSeq: snapshot,
      limit: 2,
      after: { eventTimeMs: last.eventTimeMs, seq: last.seq },
    });
    assert.deepEqual(ids(page2), ['b', 'a']);
    const after = { eventTimeMs: 2000, seq: (page2[0] as StoredEvent).seq };
    assert.deepEqual(ids(await store.lookup({ ...QUERY, maxSeq: snapshot, limit: 5, after })), ['a']);
    assert.deepEqual(ids(await store.lookup({ ...QUERY, maxSeq: store.lastSeq(), limit: 3 })), [
      'newest',
      'd',
      'late',
    ]);
  });

  it('lookup() pages newest first through any mix of recent, old and future events exactly as one full sort would', async () => {
    const nowMs = 100 * DAY_MS;
    const { store } = await fresh(() => nowMs);
    // Ages in minutes (negative: stamped in the future), out of time order as imports arrive.
    const agesMin = [-5, 10, 30, 30, 90, 300, 1500, 4000, 14_000, 57_000, 115_000, 122_000, 20, 3000, 30, 45];
    const events = agesMin.map((age, i) =>
      testEvent(`w${i}`, nowMs - age * 60_000, {
        eventName: i % 5 === 0 ? 'Rare' : 'Common',
        resourceTypes: ['AWS::S3::Bucket'],
        resourceNames: [i % 5 === 0 ? 'rare-bucket' : `bucket-${i % 2}`],
      }),
    );
    const outcomes = await store.append(events);
    const seqs = new Map(events.map((e, i) => [e.eventId, seqOf(outcomes[i])]));
    const startMs = nowMs - 90 * DAY_MS;
    const newestFirst = (keep: (e: NewEvent) => boolean): string[] =>
      events
        .filter((e) => keep(e) && e.eventTimeMs >= startMs)
        .sort(
          (a, b) =>
            b.eventTimeMs - a.eventTimeMs ||
            Number((seqs.get(b.eventId) as bigint) - (seqs.get(a.eventId) as bigint)),
        )
        .map((e) => e.eventId);
    const cases: [LookupQuery['attribute'], (e: NewEvent) => boolean][] = [
      [undefined, () => true],
      [{ key: 'EventName', value: 'Common' }, (e) => e.eventName === 'Common'],
      [{ key: 'EventName', value: 'Rare' }, (e) => e.eventName === 'Rare'],
      [{ key: 'ResourceName', value: 'rare-bucket' }, (e) => e.resourceNames[0] === 'rare-bucket'],
      [{ key: 'ResourceName', value: 'bucket-1' }, (e) => e.resourceNames[0] === 'bucket-1'],
      [{ key: 'ResourceName', value: 'no-such-bucket' }, () => false],
    ];
    for (const [attribute, keep] of cases) {
      for (const limit of [1, 2, 3, 4, 7, 50]) {
        const seen: string[] = [];
        let after: LookupQuery['after'];
        for (;;) {
          const page = await store.lookup({
            ...QUERY,
            startMs,
            endMs: nowMs + DAY_MS,
            maxSeq: store.lastSeq(),
            limit,
            ...(attribute ? { attribute } : {}),
            ...(after ? { after } : {}),
          });
          seen.push(...ids(page));
          const last = page[page.length - 1];
          if (page.length < limit || !last) break;
          after = { eventTimeMs: last.eventTimeMs, seq: last.seq };
        }
        assert.deepEqual(seen, newestFirst(keep), `${attribute?.value ?? '(none)'} in pages of ${limit}`);
      }
    }
  });

  it('cursors: commit creates and moves one, a plan is kept until the next commit, delete forgets it', async () => {
    const { store } = await fresh();
    await store.append([testEvent('a', 1000), testEvent('b', 2000), testEvent('c', 3000)]);
    assert.equal(await store.getCursor('reader'), undefined);
    assert.equal(await store.getCursorState('reader'), undefined);
    await assert.rejects(store.planCursor('reader', 2n), 'a plan needs a cursor');
    await store.commitCursor('reader', 1n);
    assert.equal(await store.getCursor('reader'), 1n);
    assert.deepEqual(await store.getCursorState('reader'), { seq: 1n });
    await store.planCursor('reader', 3n);
    assert.deepEqual(await store.getCursorState('reader'), { seq: 1n, plannedSeq: 3n });
    assert.equal(await store.getCursor('reader'), 1n, 'a plan does not move the cursor');
    await store.commitCursor('reader', 3n);
    assert.deepEqual(await store.getCursorState('reader'), { seq: 3n }, 'a commit clears the plan');
    await store.commitCursor('other', 0n);
    await store.deleteCursor('reader');
    assert.equal(await store.getCursorState('reader'), undefined);
    assert.deepEqual(await store.getCursorState('other'), { seq: 0n });
    await store.deleteCursor('never-there');
  });

  it('purgeHistory() removes old events every consumer has read, keeping unread ones and the newest', async () => {
    const { store } = await fresh();
    await store.append([
      testEvent('a', 1000),
      testEvent('b', 2000),
      testEvent('c', 3000),
      testEvent('d', 4000),
    ]);
    await store.append([testEvent('late', 3500)]);
    await store.commitCursor('reader', 2n);
    await store.commitCursor('behind', 4n);
    assert.equal(await store.purgeHistory(3500), 2, 'a and b are old and read; c is old but unread');
    assert.deepEqual(ids(await store.readAfter(0n, 100)), ['c', 'd', 'late']);
    assert.deepEqual(ids(await store.lookup({ ...QUERY, maxSeq: store.lastSeq() })), ['d', 'late', 'c']);
    assert.deepEqual(
      ids(
        await store.lookup({ ...QUERY, maxSeq: store.lastSeq(), attribute: { key: 'EventId', value: 'a' } }),
      ),
      [],
    );

    await store.deleteCursor('reader');
    assert.equal(await store.purgeHistory(3500), 1, 'a deleted cursor keeps nothing; the other has read c');
    await store.commitCursor('behind', store.lastSeq());
    assert.equal(await store.purgeHistory(9e15), 1, 'd goes; the newest event stays');
    assert.deepEqual(ids(await store.readAfter(0n, 100)), ['late']);
    assert.equal(store.lastSeq(), 5n);
    assert.deepEqual(await store.append([testEvent('next', 9000)]), [{ status: 'recorded', seq: 6n }]);
    assert.deepEqual(await store.append([testEvent('late', 3500)]), [{ status: 'duplicate' }]);
  });

  it('purgeHistory() with no cursor removes every old event but the newest', async () => {
    const { store } = await fresh();
    await store.append([testEvent('a', 1000), testEvent('b', 2000), testEvent('c', 3000)]);
    assert.equal(await store.purgeHistory(1500), 1);
    assert.equal(await store.purgeHistory(9e15), 1);
    assert.deepEqual(ids(await store.readAfter(0n, 100)), ['c']);
    assert.equal(await store.purgeHistory(9e15), 0);
  });

  it('keeps counting sequence numbers, and deduplicating, across a reopen', async (t) => {
    const { store, reopen } = await fresh();
    if (!reopen) {
      t.skip('this log does not persist');
      return;
    }
    await store.append([testEvent('a', 1000), testEvent('b', 2000)]);
    await store.commitCursor('reader', 1n);
    await store.planCursor('reader', 2n);
    const reopened = await reopen();
    assert.equal(reopened.lastSeq(), 2n);
    assert.deepEqual(await reopened.getCursorState('reader'), { seq: 1n, plannedSeq: 2n });
    assert.deepEqual(await reopened.append([testEvent('b', 2000), testEvent('c', 3000)]), [
      { status: 'duplicate' },
      { status: 'recorded', seq: 3n },
    ]);
    assert.deepEqual(ids(await reopened.readAfter(0n, 100)), ['a', 'b', 'c']);
  });
}
