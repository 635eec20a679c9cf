import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { isObject, type JsonObject } from './ast-json.ts';
import { constantString } from './ast-nodes.ts';
import { ARGUMENT_CHECKS, asRewritten, readsFieldOf } from './check-arguments.ts';
import { LakeQueryError } from './errors.ts';
import { ParseSession } from './parse-session.ts';

describe('argument checks', () => {
  let instance: DuckDBInstance;
  let session: ParseSession;
  /** The tree of one expression, as DuckDB parses `SELECT <sql>`. */
  const expression = async (sql: string): Promise<JsonObject> => {
    const tree = await session.parse(`SELECT ${sql}`);
    const statements = tree.statements as JsonObject[];
    const item = (statements[0]!.node as { select_list: JsonObject[] }).select_list[0];
    assert.ok(isObject(item));
    return item;
  };
  const messageOf = (fn: () => void): string => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof LakeQueryError, String(error));
      return error.message;
    }
    return '';
  };

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    session = await ParseSession.open(await instance.connect());
  });
  after(() => {
    session.close();
    instance.closeSync();
  });

  test('an arity error says how many arguments the function takes and how many it got', async () => {
    const call = await expression('element_at(m)');
    assert.equal(
      messageOf(() => ARGUMENT_CHECKS.element_at(call)),
      'Function element_at takes 2 arguments, not 1.',
    );
    assert.equal(
      messageOf(() => ARGUMENT_CHECKS.replace(call)),
      'Function element_at takes 2 or 3 arguments, not 1.',
    );
    assert.equal(
      messageOf(() => ARGUMENT_CHECKS.set_agg(call)),
      '',
    );
  });

  test('zip_with refuses field access on its parameters, but not on names a nested lambda rebinds', async () => {
    const refused = 'Field access on this lambda parameter is not supported.';
    const direct = await expression('zip_with(a, b, (x, y) -> x.f + Y.g)');
    assert.equal(
      messageOf(() => ARGUMENT_CHECKS.zip_with(direct)),
      refused,
    );
    const rebound = await expression('zip_with(a, b, (x, y) -> transform_values(m, (x, v) -> x.f))');
    assert.equal(
      messageOf(() => ARGUMENT_CHECKS.zip_with(rebound)),
      '',
    );
    const outer = await expression('zip_with(a, b, (x, y) -> transform_values(m, (k, v) -> x.f))');
    assert.equal(
      messageOf(() => ARGUMENT_CHECKS.zip_with(outer)),
      refused,
    );
    const plain = await expression('zip_with(a, b, (x, y) -> x + y)');
    assert.equal(
      messageOf(() => ARGUMENT_CHECKS.zip_with(plain)),
      '',
    );
  });

  test('readsFieldOf() looks only at the arguments of a custom-rewritten call', async () => {
    const names = new Set(['x']);
    // any_match's rewrite keeps its arguments and drops the ORDER BY.
    assert.equal(readsFieldOf(await expression('any_match(a, e -> e > 0 ORDER BY x.f)'), names), false);
    assert.equal(readsFieldOf(await expression('any_match(x.list, e -> e > 0)'), names), true);
    // lower is renamed, not rewritten: all of it is kept.
    assert.equal(readsFieldOf(await expression('lower(s ORDER BY x.f)'), names), true);
    assert.equal(readsFieldOf(await expression('x'), names), false);
    assert.equal(readsFieldOf(await expression('x.f'), new Set()), false);
  });

  test('asRewritten() sees through single-argument concat calls, however nested', async () => {
    assert.equal(constantString(asRewritten(await expression("concat(concat('%Y'))"))), '%Y');
    const two = await expression("concat('%Y', '%m')");
    assert.equal(asRewritten(two), two);
    const operator = await expression("'a' || 'b'");
    assert.equal(asRewritten(operator), operator);
  });
});
