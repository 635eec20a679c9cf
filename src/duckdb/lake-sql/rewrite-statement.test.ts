import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { JsonObject } from './ast-json.ts';
import type { TableParts } from './ast-nodes.ts';
import { checkLakeStatement } from './check-statement.ts';
import { TEMPLATES } from './functions.ts';
import { ParseSession } from './parse-session.ts';
import { rewriteLakeStatement } from './rewrite-statement.ts';
import { quoteStoreIds } from './store-ids.ts';

const A = '0fce1234-5678-40ab-8def-1234567890ab';
const B = 'a1b2c3d4-0000-4000-8000-0000000000ff';
const TARGETS: Record<string, string> = { [A]: 'lake."eds_a"', [B]: 'lake."eds_b"' };
const PARTS: Record<string, TableParts> = {
  'lake."eds_a"': { catalog: '', schema: 'lake', table: 'eds_a' },
  'lake."eds_b"': { catalog: '', schema: 'lake', table: 'eds_b' },
};

describe('rewriteLakeStatement()', () => {
  let instance: DuckDBInstance;
  let session: ParseSession;
  let templates: Record<string, JsonObject>;
  /** The SQL DuckDB prints for `statement` once checked and rewritten. */
  const rewritten = async (statement: string): Promise<string> => {
    const tree = await session.parse(quoteStoreIds(statement));
    rewriteLakeStatement(
      checkLakeStatement(tree, (name) => TARGETS[name]),
      {
        tableOf: (target) => PARTS[target]!,
        template: (key) => templates[key]!,
      },
    );
    return session.print(tree);
  };

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    session = await ParseSession.open(await instance.connect());
    templates = await session.parseTemplates(TEMPLATES);
  });
  after(() => {
    session.close();
    instance.closeSync();
  });

  test('points each store at its table, the ID staying as the alias unless FROM gave one', async () => {
    const sql = await rewritten(`SELECT x.eventName FROM ${A} AS x JOIN ${B} ON true`);
    assert.match(sql, /FROM lake\.eds_a AS x/);
    assert.match(sql, new RegExp(`JOIN lake\\.eds_b AS "${B}"`));
  });

  test('names the result columns as Lake does', async () => {
    const sql = await rewritten(`SELECT eventName, count(*), userIdentity.arn, eventSource AS src FROM ${A}`);
    assert.match(
      sql,
      /^SELECT eventName AS eventName, count_star\(\) AS _col1, .*\bAS arn, eventSource AS src FROM/,
    );
  });

  test('points stores at their tables before a rewrite copies a subquery that reads one', async () => {
    // all_match's rewrite uses its lambda twice.
    const sql = await rewritten(
      `SELECT all_match(ARRAY['a'], x -> x IN (SELECT eventName FROM ${B})) FROM ${A}`,
    );
    assert.equal(sql.match(/FROM lake\.eds_b/g)?.length, 2);
  });

  test('CAST to varchar becomes lake_varchar, TRY_CAST a try of it; other casts stay', async () => {
    const sql = await rewritten(
      `SELECT CAST(eventTime AS VARCHAR) AS t, TRY_CAST(eventJson AS VARCHAR), CAST(1 AS BIGINT) FROM ${A}`,
    );
    assert.match(sql, /lake_varchar\(eventTime\) AS t/);
    assert.match(sql, /TRY\(lake_varchar\(eventJson\)\) AS _col1/i);
    assert.match(sql, /CAST\(1 AS BIGINT\)/);
  });

  test('renames functions and window functions to their DuckDB names', async () => {
    const sql = await rewritten(
      `SELECT regexp_like(eventName, 'a'), arbitrary(eventName) OVER (), main.lower(eventName) FROM ${A}`,
    );
    assert.match(sql, /regexp_matches\(eventName, 'a'\)/);
    assert.match(sql, /any_value\(eventName\) OVER \(\)/);
    assert.match(sql, /lower\(eventName\)/);
  });
});
