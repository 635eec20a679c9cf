import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DuckDbDatabase } from './database.ts';
import { DuckDbKeyLastUseStore } from './duckdb-key-last-use-store.ts';

const T = Date.UTC(2026, 0, 2, 10, 45, 0);

it('DuckDbKeyLastUseStore keeps keys’ last uses across a reopen, updating and deleting in one batch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'opentrail-key-last-use-'));
  const path = join(dir, 'db.duckdb');
  try {
    let db = await DuckDbDatabase.open(path, { readers: 1 });
    let store = await DuckDbKeyLastUseStore.open(db);
    assert.deepEqual(await store.loadKeyLastUses(), new Map());
    await store.saveKeyLastUses(
      new Map([
        ['AKIA1', { timeMs: T, service: 'iam', region: 'us-east-1' }],
        ['AKIA2', { timeMs: T, service: 'cloudtrail', region: 'eu-west-1' }],
        ['AKIA3', { timeMs: T, service: 'sts', region: 'us-east-1' }],
      ]),
    );
    await store.saveKeyLastUses(
      new Map([
        ['AKIA1', { timeMs: T + 60_000, service: 'sts', region: 'eu-central-1' }],
        ['AKIA3', null],
      ]),
    );
    await store.saveKeyLastUses(new Map());
    db.close();

    db = await DuckDbDatabase.open(path, { readers: 1 });
    store = await DuckDbKeyLastUseStore.open(db);
    assert.deepEqual(
      await store.loadKeyLastUses(),
      new Map([
        ['AKIA1', { timeMs: T + 60_000, service: 'sts', region: 'eu-central-1' }],
        ['AKIA2', { timeMs: T, service: 'cloudtrail', region: 'eu-west-1' }],
      ]),
    );
    db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
