import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GroupCommitter } from '../ingest/index.ts';
import { eventStoreContract, testEvent } from '../store/event-store.contract.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbEventStore, recordsByPositionSql } from './duckdb-event-store.ts';

const event = testEvent;

const query = {
  accountId: '111111111111',
  region: 'us-east-1',
  category: 'Management' as const,
  startMs: 0,
  endMs: 9e15,
  limit: 100,
};

describe('DuckDbEventStore contract', () => {
  const dirs: string[] = [];
  const open: { db: DuckDbDatabase; store: () => DuckDbEventStore }[] = [];
  after(async () => {
    for (const { db, store } of open) {
      await store().close();
      db.close();
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  eventStoreContract(async ({ now }) => {
    const dir = await mkdtemp(join(tmpdir(), 'opentrail-store-contract-'));
    dirs.push(dir);
    const db = await DuckDbDatabase.open(join(dir, 'db.duckdb'), { readers: 1, threads: 1 });
    let store = await DuckDbEventStore.open(db, { now });
    open.push({ db, store: () => store });
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await DuckDbEventStore.open(db, { now });
        return store;
      },
    };
  });
});

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
