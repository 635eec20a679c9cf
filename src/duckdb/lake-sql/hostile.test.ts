import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LakeQueryError } from './errors.ts';
import { INVICTUS_STORE, openLakeFixture, type LakeFixture } from './test-support.ts';
import { LakeTranslator } from './translate.ts';

const S = INVICTUS_STORE;

/**
 * The canary is a named pipe: opening it for reading blocks until a writer appears, so a statement
 * that reached the file would hang (and fail the test on its timeout), and a reader still waiting
 * on it is visible afterwards (opening it for writing without blocking then succeeds).
 */
const dir = mkdtempSync(join(tmpdir(), 'lake-canary-'));
const CANARY = join(dir, 'canary.csv');
execFileSync('mkfifo', [CANARY]);
writeFileSync(join(dir, 'plain.txt'), 'secret\n');

function hostile(c: string): string[] {
  return [
    // Writes and DDL
    `INSERT INTO events VALUES (2, 'x')`,
    `UPDATE events SET secret = 'x'`,
    `DELETE FROM events`,
    `DROP TABLE events`,
    `CREATE TABLE stolen AS SELECT * FROM ${S}`,
    `ALTER TABLE events ADD COLUMN x INT`,
    `TRUNCATE events`,
    `CREATE EXTERNAL TABLE awsconfig (x string) LOCATION 's3://bucket/'`,
    // Engine statements
    `PRAGMA database_list`,
    `ATTACH '${c}' AS other`,
    `DETACH lake`,
    `COPY events TO '${c}'`,
    `COPY (SELECT * FROM ${S}) TO '${c}' (FORMAT csv)`,
    `EXPORT DATABASE '${dir}'`,
    `INSTALL httpfs`,
    `LOAD httpfs`,
    `SET enable_external_access = true`,
    `RESET lock_configuration`,
    `CALL pragma_version()`,
    `CHECKPOINT`,
    `VACUUM`,
    `EXPLAIN ANALYZE SELECT * FROM ${S}`,
    `EXPLAIN SELECT * FROM ${S}`,
    `DESCRIBE SELECT * FROM ${S}`,
    `SUMMARIZE SELECT * FROM ${S}`,
    `SHOW TABLES`,
    `PIVOT ${S} ON eventName USING count(*)`,
    `USE lake`,
    `BEGIN TRANSACTION`,
    // Table functions and replacement scans that read files
    `SELECT * FROM read_csv('${c}')`,
    `SELECT * FROM read_csv_auto('${c}')`,
    `SELECT * FROM read_text('${c}')`,
    `SELECT * FROM read_blob('${c}')`,
    `SELECT * FROM read_json_auto('${c}')`,
    `SELECT * FROM read_parquet('${c}')`,
    `SELECT * FROM glob('${dir}/*')`,
    `SELECT * FROM '${c}'`,
    `SELECT * FROM '/etc/passwd'`,
    `SELECT * FROM "${c}"`,
    `SELECT eventName FROM ${S} JOIN read_text('${c}') t ON true`,
    `SELECT eventName FROM ${S}, LATERAL (SELECT * FROM read_text('${c}'))`,
    `SELECT (SELECT content FROM read_text('${c}')) FROM ${S}`,
    `SELECT * FROM query_table('events')`,
    `SELECT * FROM query('SELECT * FROM events')`,
    `SELECT * FROM duckdb_settings()`,
    `SELECT * FROM duckdb_tables()`,
    `SELECT * FROM pragma_table_info('events')`,
    `SELECT * FROM sniff_csv('${c}')`,
    // Tables that are not stores
    `SELECT * FROM events`,
    `SELECT * FROM cursors`,
    `SELECT * FROM "events"`,
    `SELECT * FROM main.events`,
    `SELECT * FROM lake.eds_invictus`,
    `SELECT * FROM lake."eds_invictus"`,
    `SELECT * FROM information_schema.tables`,
    `SELECT * FROM duckdb_tables`,
    `SELECT * FROM sqlite_master`,
    `SELECT * FROM pg_catalog.pg_tables`,
    `SELECT eventName FROM ${S} UNION SELECT secret FROM events`,
    `SELECT eventName FROM ${S} WHERE eventName IN (SELECT secret FROM events)`,
    `WITH x AS (SELECT * FROM events) SELECT * FROM x`,
    `WITH events AS (SELECT * FROM ${S}) SELECT * FROM main.events`,
    // Functions that reach outside the query
    `SELECT getenv('HOME') FROM ${S}`,
    `SELECT current_setting('enable_external_access') FROM ${S}`,
    `SELECT main.getenv('HOME') FROM ${S}`,
    `SELECT system.main.current_setting('threads') FROM ${S}`,
    `SELECT lake_md5('x') FROM ${S}`,
    `SELECT load_extension('x') FROM ${S}`,
    `SELECT count(*) FROM ${S} WHERE getvariable('x') IS NULL`,
    `SELECT row_number() OVER (), getenv('PATH') FROM ${S}`,
    `SELECT count(*) OVER (ORDER BY current_setting('threads')) FROM ${S}`,
    // Several statements, comments and escapes
    `SELECT 1 FROM ${S}; DROP TABLE events`,
    `SELECT 1 FROM ${S}; SELECT * FROM events`,
    `SELECT 1 FROM ${S} /* ; */ ; SELECT * FROM read_text('${c}')`,
    `SELECT 1 FROM ${S} -- comment\n; DELETE FROM events`,
    `SELECT '\\'; DROP TABLE events; --' FROM ${S}`,
    `SELECT E'\\'' ; DROP TABLE events; --' FROM ${S}`,
    `SELECT $$ ; $$; DROP TABLE events`,
    `SELECT "events"."secret" FROM ${S}, "events"`,
    // Unicode look-alikes and odd names
    `SELECT * FROM ｅvents`,
    `SELECT * FROM "events\u200b"`,
    `SELECT * FROM ${S.replace('-', '\u2011')}`,
    // A store that does not exist, a statement over no store, parameters, a very long statement
    `SELECT 1`,
    `SELECT ? FROM ${S}`,
    `SELECT eventName FROM ${S} WHERE eventName = '${'x'.repeat(10_001)}'`,
  ];
}

describe('hostile statements', () => {
  let fx: LakeFixture;
  before(async () => {
    fx = await openLakeFixture();
  });
  after(() => {
    fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('at least 40 statements are each refused with InvalidQueryStatementException and a message', async () => {
    const statements = hostile(CANARY);
    assert.ok(statements.length >= 40);
    for (const statement of statements) {
      await assert.rejects(fx.query(statement), (error: unknown) => {
        assert.ok(error instanceof LakeQueryError, `${statement.slice(0, 80)}: ${String(error)}`);
        assert.equal(error.code, 'InvalidQueryStatementException', statement.slice(0, 80));
        assert.ok(error.message.length > 10);
        return true;
      });
    }
  });

  test('a long-lived translator, cache and all (as the server has), refuses each statement every time', async () => {
    const translator = await LakeTranslator.open(fx.connection);
    try {
      for (let round = 0; round < 2; round++) {
        for (const statement of hostile(CANARY)) {
          await assert.rejects(translator.translate(statement, fx.resolve), (error: unknown) => {
            assert.ok(error instanceof LakeQueryError, `${statement.slice(0, 80)}: ${String(error)}`);
            assert.equal(error.code, 'InvalidQueryStatementException', statement.slice(0, 80));
            return true;
          });
        }
      }
      assert.equal(translator.cachedStatements, 0);
    } finally {
      translator.close();
    }
  });

  test('no statement opened the canary file', () => {
    // ENXIO: nobody holds the pipe open for reading.
    assert.throws(() => closeSync(openSync(CANARY, constants.O_WRONLY | constants.O_NONBLOCK)), /ENXIO/);
  });

  test('the internal tables are untouched', async () => {
    const reader = await fx.connection.runAndReadAll('SELECT count(*) FROM events');
    assert.equal(reader.getRowsJson()[0]?.[0], '1');
  });

  test('a well-formed store ID that the caller cannot see is EventDataStoreNotFoundException', async () => {
    await assert.rejects(fx.query('SELECT * FROM 11111111-2222-4333-8444-555555555555'), (error: unknown) => {
      assert.ok(error instanceof LakeQueryError);
      assert.equal(error.code, 'EventDataStoreNotFoundException');
      assert.match(error.message, /11111111-2222-4333-8444-555555555555/);
      return true;
    });
  });

  test('error messages say what was wrong', async () => {
    const message = async (sql: string): Promise<string> => {
      try {
        await fx.query(sql);
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
      return '';
    };
    assert.match(await message(`SELECT * FROM read_text('${CANARY}')`), /read_text.*not allowed/);
    assert.match(await message('SELECT * FROM events'), /"events" is not an event data store/);
    assert.match(await message(`SELECT getenv('HOME') FROM ${S}`), /Function getenv is not supported/);
    assert.match(await message('DROP TABLE events'), /Only SELECT statements/);
    assert.match(await message(`SELECT 1 FROM ${S}; SELECT 2 FROM ${S}`), /Only one SELECT statement/);
  });

  test('with the query settings applied, the engine itself refuses file access', async () => {
    // The safety belt: statements that never went through the translator.
    for (const sql of [
      `SELECT * FROM read_text('${CANARY}')`,
      `SELECT * FROM read_text('/etc/passwd')`,
      `SELECT * FROM '${join(dir, 'plain.txt')}'`,
      `COPY (SELECT 1) TO '${join(dir, 'out.csv')}'`,
      `ATTACH '${join(dir, 'x.db')}'`,
      `SET enable_external_access = true`,
      `SET lock_configuration = false`,
    ]) {
      await assert.rejects(
        fx.connection.run(sql),
        /disabled|locked|Permission|not allowed|does not exist/i,
        sql,
      );
    }
    assert.throws(() => closeSync(openSync(CANARY, constants.O_WRONLY | constants.O_NONBLOCK)), /ENXIO/);
  });
});
