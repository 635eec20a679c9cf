import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BIGINT, BOOLEAN, DuckDBInstance, UBIGINT, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { ColumnScan, ROWS_PER_CALL } from './column-scan.ts';

describe('ColumnScan', () => {
  let instance: DuckDBInstance;
  let c: DuckDBConnection;
  let scan: ColumnScan;

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    c = await instance.connect();
    scan = ColumnScan.register(c);
    await c.run('CREATE TABLE t (seq UBIGINT NOT NULL, h BIGINT, flag BOOLEAN, name VARCHAR, raw VARCHAR)');
  });
  after(() => {
    c.closeSync();
    instance.closeSync();
  });

  it('INSERT … SELECT * FROM it writes every row as given, in order', async () => {
    const rows = 3 * ROWS_PER_CALL + 5;
    const seq = Array.from({ length: rows }, (_, i) => 2 ** 40 + i);
    // -1 as (low, high) words: BIGINT -1.
    const words = new Uint32Array(2 * rows).fill(0xffffffff);
    const flags = seq.map((_, i) => (i % 3 === 0 ? null : i % 3 === 1));
    const names = seq.map((_, i) => (i % 7 === 0 ? null : `name-${i % 2}`));
    const raws = seq.map((_, i) =>
      i % 2 === 0 ? `{"i":${i},"é":"ü"}` : new TextEncoder().encode(`{"i":${i}}`),
    );
    const added = scan.add(
      [UBIGINT, BIGINT, BOOLEAN, VARCHAR, VARCHAR],
      [
        { kind: 'int64', values: seq },
        { kind: 'words', words },
        { kind: 'boolean', values: flags },
        { kind: 'varchar', values: names },
        { kind: 'varchar', values: raws },
      ],
      rows,
    );
    await c.run(`INSERT INTO t SELECT * FROM ${added.sql}`);
    added.release();
    const read = (await c.runAndReadAll('SELECT seq, h, flag, name, raw FROM t ORDER BY rowid')).getRowsJS();
    assert.equal(read.length, rows);
    read.forEach((row, i) => {
      assert.deepEqual(row, [
        BigInt(2 ** 40 + i),
        -1n,
        flags[i],
        names[i],
        i % 2 === 0 ? `{"i":${i},"é":"ü"}` : `{"i":${i}}`,
      ]);
    });
    await c.run('DELETE FROM t');
  });

  it('writes a one-value column of a chunk as that value in every row', async () => {
    const added = scan.add(
      [UBIGINT, BIGINT, BOOLEAN, VARCHAR, VARCHAR],
      [
        { kind: 'int64', values: [1, 2, 3] },
        { kind: 'int64', values: [0, 0, 0] },
        { kind: 'boolean', values: [true, true, true] },
        { kind: 'varchar', values: ['same', 'same', 'same'] },
        { kind: 'varchar', values: ['a', 'b', 'c'] },
      ],
      3,
    );
    await c.run(`INSERT INTO t SELECT * FROM ${added.sql}`);
    added.release();
    const read = (await c.runAndReadAll('SELECT name, raw FROM t ORDER BY seq')).getRowsJS();
    assert.deepEqual(read, [
      ['same', 'a'],
      ['same', 'b'],
      ['same', 'c'],
    ]);
    await c.run('DELETE FROM t');
  });

  it('lets other callbacks run between the chunks it fills', async () => {
    // The appender fills every chunk in one synchronous run; the scan fills one per call, and a
    // callback queued while the first chunk is filled runs before the last one is.
    const rows = 20 * ROWS_PER_CALL;
    let ranBetween = false;
    let queued = false;
    let sawCallbackAtLastChunk: boolean | undefined;
    const seq = new Proxy(
      Array.from({ length: rows }, (_, i) => i),
      {
        get(target, key, receiver) {
          if (key === '0' && !queued) {
            queued = true;
            setImmediate(() => (ranBetween = true));
          }
          if (key === String(rows - 1)) sawCallbackAtLastChunk = ranBetween;
          return Reflect.get(target, key, receiver) as unknown;
        },
      },
    );
    const added = scan.add(
      [UBIGINT, BIGINT, BOOLEAN, VARCHAR, VARCHAR],
      [
        { kind: 'int64', values: seq },
        { kind: 'int64', values: seq },
        { kind: 'boolean', values: new Array<boolean>(rows).fill(false) },
        { kind: 'varchar', values: new Array<string>(rows).fill('n') },
        { kind: 'varchar', values: seq.map((i) => `r${i}`) },
      ],
      rows,
    );
    queued = false;
    await c.run(`INSERT INTO t SELECT * FROM ${added.sql}`);
    added.release();
    assert.equal(sawCallbackAtLastChunk, true);
    const [[count]] = (await c.runAndReadAll('SELECT count(*) FROM t')).getRowsJS() as [[bigint]];
    assert.equal(count, BigInt(rows));
    await c.run('DELETE FROM t');
  });

  it('refuses rows it does not hold (released, or never added)', async () => {
    const added = scan.add([UBIGINT], [{ kind: 'int64', values: [1] }], 1);
    added.release();
    await assert.rejects(c.run(`SELECT * FROM ${added.sql}`), /no rows with id/);
    assert.throws(() => scan.add([UBIGINT, VARCHAR], [{ kind: 'int64', values: [1] }], 1), /needs 2 columns/);
  });
});
