import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakeQueryError } from './errors.ts';
import { INVICTUS_STORE, STRATUS_STORE, openLakeFixture, type LakeFixture } from './test-support.ts';
import { LakeTranslator, translateLakeQuery } from './translate.ts';

const S = INVICTUS_STORE;

/** The fixture's connection, counting `prepare` calls (one per statement bound for checking). */
function countingPrepares(connection: DuckDBConnection): { connection: DuckDBConnection; count(): number } {
  let prepares = 0;
  const proxy = new Proxy(connection, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string) => {
          prepares++;
          return target.prepare(sql);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { connection: proxy, count: () => prepares };
}

describe('LakeTranslator', () => {
  let fx: LakeFixture;
  before(async () => {
    fx = await openLakeFixture();
  });
  after(() => fx.close());

  test('translates as translateLakeQuery does, and the SQL runs', async () => {
    const translator = await LakeTranslator.open(fx.connection);
    try {
      const statement = `SELECT eventName, count(*) AS n FROM ${S} GROUP BY eventName ORDER BY n DESC, 1`;
      const kept = await translator.translate(statement, fx.resolve);
      assert.deepEqual(kept, await translateLakeQuery(fx.connection, statement, fx.resolve));
      assert.deepEqual(kept.storeNames, [S]);
      const rows = (await fx.connection.runAndReadAll(kept.sql)).getRows();
      assert.equal(
        rows.reduce((sum, row) => sum + Number(row[1]), 0),
        fx.invictus.length,
      );
    } finally {
      translator.close();
    }
  });

  test('a repeated statement is answered without DuckDB while its store resolves to the same table', async () => {
    const counted = countingPrepares(fx.connection);
    const translator = await LakeTranslator.open(counted.connection);
    try {
      const statement = `SELECT userIdentity.arn FROM ${S} LIMIT 3`;
      const afterOpen = counted.count();
      const first = await translator.translate(statement, fx.resolve);
      assert.equal(counted.count(), afterOpen + 1, 'a new statement is bound once to check it');
      assert.deepEqual(await translator.translate(statement, fx.resolve), first);
      assert.equal(counted.count(), afterOpen + 1, 'the repeat is not bound again');
      assert.equal(translator.cachedStatements, 1);
    } finally {
      translator.close();
    }
  });

  test('a repeated statement follows the resolver: another table, an unknown store, a refusal', async () => {
    const translator = await LakeTranslator.open(fx.connection);
    try {
      const statement = `SELECT count(*) FROM ${S}`;
      const first = await translator.translate(statement, fx.resolve);
      assert.match(first.sql, /eds_invictus/);
      // Another caller for whom the same ID names another table.
      const other = await translator.translate(statement, (name) =>
        name === S ? fx.resolve(STRATUS_STORE) : undefined,
      );
      assert.match(other.sql, /eds_stratus/);
      assert.doesNotMatch(other.sql, /eds_invictus/);
      // A caller who cannot see the store.
      await assert.rejects(
        translator.translate(statement, () => undefined),
        (error: unknown) =>
          error instanceof LakeQueryError && error.code === 'EventDataStoreNotFoundException',
      );
      // A resolver that refuses the store (as StartQuery does for one pending deletion).
      await assert.rejects(
        translator.translate(statement, () => {
          throw new Error('store is pending deletion');
        }),
        /pending deletion/,
      );
    } finally {
      translator.close();
    }
  });

  test('refused statements are refused every time and never kept', async () => {
    const translator = await LakeTranslator.open(fx.connection);
    try {
      for (const statement of [
        'SELECT * FROM events',
        `SELECT getenv('HOME') FROM ${S}`,
        `SELECT nosuchcolumn FROM ${S}`,
        `SELECT 1 FROM ${S}; DROP TABLE events`,
      ]) {
        for (let i = 0; i < 2; i++) {
          await assert.rejects(
            translator.translate(statement, fx.resolve),
            (error: unknown) => error instanceof LakeQueryError,
            statement,
          );
        }
      }
      assert.equal(translator.cachedStatements, 0);
    } finally {
      translator.close();
    }
  });

  test('a bind past its budget leaves the statement unchecked and holds up no other translation', async () => {
    // A binder whose first prepare does not answer until released, as a bind DuckDB cannot
    // interrupt (a constant UNNEST argument it evaluates while binding).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let prepares = 0;
    const binder = new Proxy(fx.connection, {
      get(target, property) {
        if (property === 'prepare') {
          return async (sql: string) => {
            if (prepares++ === 0) await held;
            return target.prepare(sql);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const translator = await LakeTranslator.open(fx.connection, { binder, bindBudgetMs: 20 });
    try {
      const slow = await translator.translate(`SELECT eventName FROM ${S}`, fx.resolve);
      assert.equal(slow.bindPending, true);
      assert.match(slow.sql, /eventName/);
      // The next statement parses while the first bind is held; its own bind waits behind it.
      const next = await translator.translate(`SELECT eventSource FROM ${S}`, fx.resolve);
      assert.equal(next.bindPending, true);
      assert.equal(translator.cachedStatements, 0, 'unchecked translations are not kept');
      release();
      const checked = await translator.translate(`SELECT awsRegion FROM ${S}`, fx.resolve);
      assert.equal(checked.bindPending, undefined);
      await assert.rejects(
        translator.translate(`SELECT nosuchcolumn FROM ${S}`, fx.resolve),
        (error: unknown) => error instanceof LakeQueryError,
      );
    } finally {
      release();
      translator.close();
    }
  });

  test('concurrent translations on one translator each get their own statement', async () => {
    const translator = await LakeTranslator.open(fx.connection, { cacheEntries: 0 });
    try {
      const statements = Array.from(
        { length: 24 },
        (_, i) =>
          `SELECT eventName AS name_${i}, ${i} AS n, element_at(requestParameters, 'k${i}') FROM ${i % 2 ? S : STRATUS_STORE} WHERE eventName <> 'x${i}'`,
      );
      const expected: string[] = [];
      for (const s of statements) expected.push((await translateLakeQuery(fx.connection, s, fx.resolve)).sql);
      const together = await Promise.all(statements.map((s) => translator.translate(s, fx.resolve)));
      assert.deepEqual(
        together.map((t) => t.sql),
        expected,
      );
    } finally {
      translator.close();
    }
  });
});
