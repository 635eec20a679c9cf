import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringifyAstJson, type JsonObject } from './ast-json.ts';
import { checkLakeStatement, checkStatementText, MAX_STATEMENT_CHARS } from './check-statement.ts';
import { LakeQueryError } from './errors.ts';
import type { StoreResolver } from './lake-translation.ts';
import { ParseSession } from './parse-session.ts';
import { quoteStoreIds } from './store-ids.ts';

const A = '0fce1234-5678-40ab-8def-1234567890ab';
const B = 'a1b2c3d4-0000-4000-8000-0000000000ff';
const TABLES: Record<string, string> = { [A]: 'lake."eds_a"', [B]: 'lake."eds_b"' };
const resolveTables: StoreResolver = (name) => TABLES[name];

/** The code and message `fn` throws a LakeQueryError with. */
function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof LakeQueryError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a LakeQueryError');
}

describe('checkLakeStatement()', () => {
  let instance: DuckDBInstance;
  let session: ParseSession;
  const tree = (sql: string): Promise<JsonObject> => session.parse(quoteStoreIds(sql));
  const refusalOf = async (sql: string, resolve = resolveTables) => {
    const parsed = await tree(sql);
    return refusal(() => checkLakeStatement(parsed, resolve));
  };

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    session = await ParseSession.open(await instance.connect());
  });
  after(() => {
    session.close();
    instance.closeSync();
  });

  test('lists every FROM naming a store in order of appearance, and changes nothing', async () => {
    const parsed = await tree(
      `SELECT (SELECT count(*) FROM ${B}) FROM ${A} x JOIN ${B} ON true WHERE eventName IN (SELECT eventName FROM ${A})`,
    );
    const written = stringifyAstJson(parsed);
    const checked = checkLakeStatement(parsed, resolveTables);
    assert.equal(stringifyAstJson(parsed), written);
    assert.deepEqual(
      checked.stores.map((s) => [s.name, s.target, s.ref.type]),
      [
        [B, TABLES[B], 'BASE_TABLE'],
        [A, TABLES[A], 'BASE_TABLE'],
        [B, TABLES[B], 'BASE_TABLE'],
        [A, TABLES[A], 'BASE_TABLE'],
      ],
    );
  });

  test("a CTE in scope is not resolved, even when it takes an internal table's name", async () => {
    const asked: string[] = [];
    const parsed = await tree(`WITH events AS (SELECT * FROM ${A}) SELECT * FROM events`);
    const checked = checkLakeStatement(parsed, (name) => {
      asked.push(name);
      return TABLES[name];
    });
    assert.deepEqual(asked, [A]);
    assert.deepEqual(
      checked.stores.map((s) => s.name),
      [A],
    );
  });

  test('of several faults, the first as written is reported', async () => {
    assert.match(
      (await refusalOf(`SELECT getenv('HOME'), element_at(1) FROM ${A}`)).message,
      /^Function getenv is not supported\.$/,
    );
    assert.match(
      (await refusalOf(`SELECT element_at(1), getenv('HOME') FROM ${A}`)).message,
      /^Function element_at takes 2 arguments, not 1\.$/,
    );
    // A call's arguments are checked before the call itself.
    assert.match(
      (await refusalOf(`SELECT element_at(getenv('HOME')) FROM ${A}`)).message,
      /^Function getenv is not supported\.$/,
    );
    assert.match(
      (await refusalOf(`SELECT date_format(eventTime, '%Q') FROM events`)).message,
      /^date_format specifier %Q is not supported$/,
    );
  });

  test('argument checks see concat(x) as the x it is rewritten to', async () => {
    checkLakeStatement(
      await tree(`SELECT date_format(eventTime, concat('%Y')), all_match(a, concat(x -> x)) FROM ${A}`),
      resolveTables,
    );
    assert.equal(
      (await refusalOf(`SELECT date_format(eventTime, concat('%Y', '-%m')) FROM ${A}`)).message,
      'Function date_format needs a constant format string.',
    );
  });

  test('a store the caller cannot see is EventDataStoreNotFoundException; other names are invalid', async () => {
    assert.deepEqual(await refusalOf('SELECT * FROM 11111111-2222-4333-8444-555555555555'), {
      code: 'EventDataStoreNotFoundException',
      message: 'The event data store 11111111-2222-4333-8444-555555555555 was not found.',
    });
    assert.deepEqual(await refusalOf('SELECT * FROM main.events'), {
      code: 'InvalidQueryStatementException',
      message: '"main.events" is not an event data store; FROM must name an event data store by its ID.',
    });
  });

  test('a statement must read a store and take no parameters', async () => {
    assert.match((await refusalOf('SELECT 1')).message, /at least one event data store/);
    assert.match((await refusalOf(`SELECT $x FROM ${A}`)).message, /parameters are not supported/);
  });
});

describe('checkStatementText()', () => {
  test('refuses an empty statement and one over the StartQuery limit, and accepts the limit itself', () => {
    assert.equal(refusal(() => checkStatementText(' \n')).message, 'The query statement is empty.');
    assert.equal(
      refusal(() => checkStatementText('x'.repeat(MAX_STATEMENT_CHARS + 1))).message,
      `The query statement is ${MAX_STATEMENT_CHARS + 1} characters long; the limit is ${MAX_STATEMENT_CHARS}.`,
    );
    checkStatementText('x'.repeat(MAX_STATEMENT_CHARS));
  });
});
