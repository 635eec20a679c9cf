import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GroupCommitter } from '../ingest/index.ts';
import type { LookupAttributeKey, NewEvent } from '../store/event-store.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbEventStore, recordsByPositionSql } from './duckdb-event-store.ts';

function event(id: string, timeMs: number, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: id,
    accountId: '111111111111',
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
    raw: JSON.stringify({ eventID: id }),
    ...extra,
  };
}

const query = {
  accountId: '111111111111',
  region: 'us-east-1',
  category: 'Management' as const,
  startMs: 0,
  endMs: 9e15,
  limit: 100,
};

describe('DuckDbEventStore', () => {
  let dir: string;
  let db: DuckDbDatabase;
  let store: DuckDbEventStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentrail-store-'));
    db = await DuckDbDatabase.open(join(dir, 'db.duckdb'));
    store = await DuckDbEventStore.open(db);
  });
  after(async () => {
    await store.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('append() assigns increasing sequence numbers and reports duplicates by eventID', async () => {
    const first = await store.append([event('a', 1000), event('b', 2000), event('a', 1000)]);
    assert.deepEqual(first, [
      { status: 'recorded', seq: 1n },
      { status: 'recorded', seq: 2n },
      { status: 'duplicate' },
    ]);
    const again = await store.append([event('b', 2000), event('c', 3000)]);
    assert.deepEqual(again, [{ status: 'duplicate' }, { status: 'recorded', seq: 3n }]);
    assert.equal(store.lastSeq(), 3n);
  });

  it('lookup() returns newest first and filters by each attribute', async () => {
    await store.append([
      event('d', 4000, {
        eventName: 'GetThing',
        readOnly: true,
        username: 'bob',
        accessKeyId: 'AKIA2',
        eventSource: 'other.amazonaws.com',
        resourceTypes: ['AWS::S3::Bucket'],
        resourceNames: ['bkt'],
      }),
      event('e', 4000, { accountId: '222222222222' }),
      event('f', 4000, { region: 'eu-west-1' }),
      event('g', 4000, { category: 'Data' }),
    ]);
    const ids = async (attribute?: { key: LookupAttributeKey; value: string }) =>
      (await store.lookup({ ...query, maxSeq: store.lastSeq(), ...(attribute ? { attribute } : {}) })).map(
        (e) => e.eventId,
      );
    assert.deepEqual(await ids(), ['d', 'c', 'b', 'a']);
    assert.deepEqual(await ids({ key: 'EventId', value: 'b' }), ['b']);
    assert.deepEqual(await ids({ key: 'EventName', value: 'GetThing' }), ['d']);
    assert.deepEqual(await ids({ key: 'ReadOnly', value: 'true' }), ['d']);
    assert.deepEqual(await ids({ key: 'ReadOnly', value: 'false' }), ['c', 'b', 'a']);
    assert.deepEqual(await ids({ key: 'ReadOnly', value: 'maybe' }), []);
    assert.deepEqual(await ids({ key: 'Username', value: 'bob' }), ['d']);
    assert.deepEqual(await ids({ key: 'ResourceType', value: 'AWS::S3::Bucket' }), ['d']);
    assert.deepEqual(await ids({ key: 'ResourceName', value: 'bkt' }), ['d']);
    assert.deepEqual(await ids({ key: 'EventSource', value: 'other.amazonaws.com' }), ['d']);
    assert.deepEqual(await ids({ key: 'AccessKeyId', value: 'AKIA2' }), ['d']);
  });

  it('lookup() pages after a position and never shows events past its snapshot', async () => {
    const snapshot = store.lastSeq();
    const page1 = await store.lookup({ ...query, maxSeq: snapshot, limit: 2 });
    assert.deepEqual(
      page1.map((e) => e.eventId),
      ['d', 'c'],
    );
    await store.append([event('late', 3500)]);
    const last = page1[1]!;
    const page2 = await store.lookup({
      ...query,
      maxSeq: snapshot,
      limit: 2,
      after: { eventTimeMs: last.eventTimeMs, seq: last.seq },
    });
    assert.deepEqual(
      page2.map((e) => e.eventId),
      ['b', 'a'],
    );
    assert.equal(page2[0]!.raw, '{"eventID":"b"}');
  });

  it('purgeHistory() removes old events but keeps unread ones and the newest', async () => {
    await store.commitCursor('reader', 2n);
    assert.equal(await store.getCursor('reader'), 2n);
    const removed = await store.purgeHistory(3500);
    assert.equal(removed, 2, 'a and b are old and read; c is old but unread');
    const left = (await store.readAfter(0n, 100)).map((e) => e.eventId);
    assert.deepEqual(left, ['c', 'd', 'e', 'f', 'g', 'late']);
    await store.commitCursor('reader', store.lastSeq());
    await store.purgeHistory(9e15);
    assert.deepEqual(
      (await store.readAfter(0n, 100)).map((e) => e.eventId),
      ['late'],
    );
  });

  it('records values holding the bulk separator through the appender, unchanged', async () => {
    const odd = event('odd\u001eid', 7000, { eventName: 'Put\u001eThing', username: null, readOnly: null });
    const [outcome] = await store.append([odd, event('plain', 7000)]);
    assert.equal(outcome?.status, 'recorded');
    const found = await store.lookup({
      ...query,
      maxSeq: store.lastSeq(),
      attribute: { key: 'EventName', value: 'Put\u001eThing' },
    });
    assert.deepEqual(
      found.map((e) => [e.eventId, e.username, e.readOnly]),
      [['odd\u001eid', null, null]],
    );
  });

  it('keeps counting sequence numbers across a reopen', async () => {
    const before = store.lastSeq();
    await store.close();
    store = await DuckDbEventStore.open(db);
    assert.equal(store.lastSeq(), before);
    assert.deepEqual(await store.append([event('h', 5000)]), [{ status: 'recorded', seq: before + 1n }]);
  });

  it('GroupCommitter answers each caller with its own outcomes when requests share a commit', async () => {
    const committer = new GroupCommitter(store, { maxBatchEvents: 5 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => committer.append([event(`gc-${i}`, 6000), event(`gc-${i}`, 6000)])),
    );
    for (const r of results) {
      assert.equal(r.length, 2);
      assert.equal(r[0]!.status, 'recorded');
      assert.equal(r[1]!.status, 'duplicate');
    }
    const seqs = results.map((r) => (r[0] as { seq: bigint }).seq);
    assert.equal(new Set(seqs).size, 6);
  });
});

describe('DuckDbEventStore lookups over a long history', () => {
  const DAY_MS = 86_400_000;
  const nowMs = 100 * DAY_MS;
  let dir: string;
  let db: DuckDbDatabase;
  let store: DuckDbEventStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentrail-store-windows-'));
    db = await DuckDbDatabase.open(join(dir, 'db.duckdb'));
    store = await DuckDbEventStore.open(db, { now: () => nowMs });
  });
  after(async () => {
    await store.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pages newest first through any mix of recent and old events exactly as one full sort would', async () => {
    // Ages in minutes (negative: stamped in the future), out of time order as imports arrive.
    const agesMin = [-5, 10, 30, 30, 90, 300, 1500, 4000, 14_000, 57_000, 115_000, 122_000, 20, 3000, 30, 45];
    const events = agesMin.map((age, i) =>
      event(`w${i}`, nowMs - age * 60_000, {
        eventName: i % 5 === 0 ? 'Rare' : 'Common',
        resourceTypes: ['AWS::S3::Bucket'],
        resourceNames: [i % 5 === 0 ? 'rare-bucket' : `bucket-${i % 2}`],
      }),
    );
    const outcomes = await store.append(events);
    const seqOf = new Map(events.map((e, i) => [e.eventId, (outcomes[i] as { seq: bigint }).seq]));
    const newestFirst = (keep: (e: NewEvent) => boolean): string[] =>
      events
        .filter(keep)
        .sort((a, b) =>
          b.eventTimeMs !== a.eventTimeMs
            ? b.eventTimeMs - a.eventTimeMs
            : Number((seqOf.get(b.eventId) as bigint) - (seqOf.get(a.eventId) as bigint)),
        )
        .map((e) => e.eventId);
    const cases: [{ key: LookupAttributeKey; value: string } | undefined, (e: NewEvent) => boolean][] = [
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
        let after: { eventTimeMs: number; seq: bigint } | undefined;
        for (;;) {
          const page = await store.lookup({
            ...query,
            startMs: nowMs - 90 * DAY_MS,
            endMs: nowMs + DAY_MS,
            maxSeq: store.lastSeq(),
            limit,
            ...(attribute ? { attribute } : {}),
            ...(after ? { after } : {}),
          });
          seen.push(...page.map((e) => e.eventId));
          const last = page[page.length - 1];
          if (page.length < limit || !last) break;
          after = { eventTimeMs: last.eventTimeMs, seq: last.seq };
        }
        const expected = newestFirst(keep).filter((id) => {
          const e = events.find((x) => x.eventId === id) as NewEvent;
          return e.eventTimeMs >= nowMs - 90 * DAY_MS;
        });
        assert.deepEqual(seen, expected, `${attribute?.value ?? '(none)'} in pages of ${limit}`);
      }
    }
  });
});

describe('recordsByPositionSql()', () => {
  const positionsIn = (sql: string): bigint[] =>
    [...sql.matchAll(/IN \(([^)]*)\)/g)].flatMap((m) => (m[1] as string).split(',').map((s) => BigInt(s)));

  it('reads nearby positions with one query and scattered ones in two halves, each position once', () => {
    const dense = Array.from({ length: 50 }, (_, i) => 1_000_000n - BigInt(i * 3));
    assert.equal(recordsByPositionSql(dense).includes('UNION ALL'), false);
    assert.deepEqual(positionsIn(recordsByPositionSql(dense)), dense);

    const scattered = Array.from({ length: 50 }, (_, i) => 9_000_000n - BigInt(i * 150_000));
    const sql = recordsByPositionSql(scattered);
    assert.equal(sql.split('UNION ALL').length, 2);
    assert.deepEqual(
      positionsIn(sql).sort((a, b) => (a < b ? -1 : 1)),
      [...scattered].sort((a, b) => (a < b ? -1 : 1)),
    );
    assert.equal(recordsByPositionSql([1n, 900_000n]).includes('UNION ALL'), false, 'too few to split');
  });
});
