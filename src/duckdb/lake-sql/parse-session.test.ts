import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { JsonObject } from './ast-json.ts';
import { LakeQueryError } from './errors.ts';
import { ParseSession } from './parse-session.ts';

/** The alias of the first select item of a parsed `SELECT`. */
function firstAlias(tree: JsonObject): unknown {
  const statements = tree.statements as { node: { select_list: { alias: unknown }[] } }[];
  return statements[0]?.node.select_list[0]?.alias;
}

describe('ParseSession', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let session: ParseSession;
  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await connection.run('CREATE TABLE t (a INTEGER)');
    session = await ParseSession.open(connection);
  });
  after(() => {
    session.close();
    connection.closeSync();
    instance.closeSync();
  });

  test('calls from many callers at once run one at a time, each getting its own answer', async () => {
    const trees = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        i % 2 ? session.parse(`SELECT ${i} AS c${i}`) : session.tableParts(`s${i}."t${i}"`),
      ),
    );
    trees.forEach((answer, i) =>
      assert.deepEqual(
        i % 2 ? firstAlias(answer as JsonObject) : answer,
        i % 2 ? `c${i}` : { catalog: '', schema: `s${i}`, table: `t${i}` },
      ),
    );
  });

  test('parse() refuses what is not one SELECT with InvalidQueryStatementException', async () => {
    const refusal = async (sql: string): Promise<string> => {
      try {
        await session.parse(sql);
      } catch (error) {
        assert.ok(error instanceof LakeQueryError);
        assert.equal(error.code, 'InvalidQueryStatementException');
        return error.message;
      }
      return '';
    };
    assert.equal(
      await refusal('DROP TABLE t'),
      'Only SELECT statements are allowed; a query cannot change data, settings or the database.',
    );
    assert.match(await refusal('SELECT FROM WHERE'), /^The query statement has a syntax error: /);
  });

  test('print() writes a tree back as SQL; bind() rejects SQL naming what does not exist', async () => {
    const sql = await session.print(await session.parse('SELECT a + 1 AS b FROM t'));
    assert.equal(sql, 'SELECT (a + 1) AS b FROM t');
    await session.bind(sql);
    await assert.rejects(session.bind('SELECT nope FROM t'), /nope/);
  });

  test('tableParts() refuses a resolver answer that is not a table reference', async () => {
    await assert.rejects(
      session.tableParts('read_text(1)'),
      /The store resolver returned read_text\(1\), which is not a table reference/,
    );
  });

  test('parseTemplates() parses each template once for all sessions', async () => {
    const other = await ParseSession.open(connection);
    try {
      const mine = await session.parseTemplates({ sum: '__lake_arg0 + 1' });
      const theirs = await other.parseTemplates({ sum: '__lake_arg0 + 1' });
      assert.equal(mine.sum, theirs.sum);
      assert.equal(mine.sum.class, 'FUNCTION');
    } finally {
      other.close();
    }
  });

  test('a closed session refuses calls, and closing again does nothing', async () => {
    const closing = await ParseSession.open(connection);
    closing.close();
    closing.close();
    await assert.rejects(closing.parse('SELECT 1'), /^Error: The Lake translator is closed$/);
  });
});
