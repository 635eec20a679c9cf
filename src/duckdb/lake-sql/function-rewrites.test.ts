import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Json, JsonObject } from './ast-json.ts';
import { argumentsOf, columnRef, functionNode, operatorNode, stringNode } from './ast-nodes.ts';
import { LakeQueryError } from './errors.ts';
import { FUNCTION_REWRITES, type TemplateSource } from './function-rewrites.ts';

/** A template named for its key, taking `__lake_arg0..3`, so a result shows which was used and with what. */
const template: TemplateSource = (key) =>
  functionNode(
    key,
    [0, 1, 2, 3].map((i) => columnRef([`__lake_arg${i}`])),
  );

function lambda(params: string[], expr: Json): JsonObject {
  const lhs =
    params.length === 1
      ? columnRef(params)
      : functionNode(
          'row',
          params.map((p) => columnRef([p])),
        );
  return { class: 'LAMBDA', type: 'LAMBDA', alias: '', query_location: 0, lhs, expr };
}

const call = (name: string, ...args: Json[]): JsonObject => functionNode(name, args);
const col = (...names: string[]): JsonObject => columnRef(names);

describe('FUNCTION_REWRITES', () => {
  test('concat becomes left-nested ||, and with one argument the argument itself', () => {
    assert.deepEqual(
      FUNCTION_REWRITES.concat(call('concat', col('a'), col('b'), col('c')), template),
      functionNode('||', [functionNode('||', [col('a'), col('b')], true), col('c')], true),
    );
    assert.deepEqual(FUNCTION_REWRITES.concat(call('concat', col('a')), template), col('a'));
  });

  test('element_at becomes a subscript; replace with two arguments gains an empty replacement', () => {
    assert.deepEqual(
      FUNCTION_REWRITES.element_at(call('element_at', col('m'), stringNode('k')), template),
      operatorNode('ARRAY_EXTRACT', [col('m'), stringNode('k')]),
    );
    assert.deepEqual(
      FUNCTION_REWRITES.replace(call('replace', col('s'), stringNode('x')), template),
      call('replace', col('s'), stringNode('x'), stringNode('')),
    );
  });

  test('regexp_replace replaces every match, converting a constant replacement now and another at run time', () => {
    assert.deepEqual(
      FUNCTION_REWRITES.regexp_replace(
        call('regexp_replace', col('s'), stringNode('(a)'), stringNode('<$1>')),
        template,
      ),
      call('regexp_replace', col('s'), stringNode('(a)'), stringNode('<\\1>'), stringNode('g')),
    );
    assert.deepEqual(
      FUNCTION_REWRITES.regexp_replace(call('regexp_replace', col('s'), stringNode('a'), col('r')), template),
      call(
        'regexp_replace',
        col('s'),
        stringNode('a'),
        call('regexp_replace', col('r'), stringNode('\\$(\\d)'), stringNode('\\\\\\1'), stringNode('g')),
        stringNode('g'),
      ),
    );
  });

  test('date and Joda formats become strftime and strptime with the format converted', () => {
    assert.deepEqual(
      FUNCTION_REWRITES.date_format(call('date_format', col('t'), stringNode('%Y-%m-%d %H:%i')), template),
      call('strftime', col('t'), stringNode('%Y-%m-%d %H:%M')),
    );
    assert.deepEqual(
      FUNCTION_REWRITES.parse_datetime(call('parse_datetime', col('s'), stringNode('yyyy-MM-dd')), template),
      call('strptime', col('s'), stringNode('%Y-%m-%d')),
    );
  });

  test('reduce uses the shorter template when its output function is x -> x', () => {
    const args = [col('a'), col('init'), lambda(['s', 'x'], col('s'))];
    const identity = FUNCTION_REWRITES.reduce(call('reduce', ...args, lambda(['s'], col('S'))), template);
    assert.equal((identity as JsonObject).function_name, 'reduce');
    const other = FUNCTION_REWRITES.reduce(call('reduce', ...args, lambda(['s'], col('t'))), template);
    assert.equal((other as JsonObject).function_name, 'reduceOut');
  });

  test('all_match passes the lambda and its negation to its template', () => {
    const holds = lambda(['x'], col('x'));
    const result = FUNCTION_REWRITES.all_match(call('all_match', col('a'), holds), template) as JsonObject;
    assert.deepEqual(result.children, [
      col('a'),
      holds,
      { ...holds, expr: operatorNode('OPERATOR_NOT', [col('x')]) },
      col('__lake_arg3'),
    ]);
  });

  test('map_filter and transform_values read a map entry where the lambda had (k, v)', () => {
    const body = functionNode('+', [col('K'), col('v', 'f')], true);
    const filtered = FUNCTION_REWRITES.map_filter(
      call('map_filter', col('m'), lambda(['k', 'v'], body)),
      template,
    );
    const entryBody = functionNode('+', [col('__lake_e', 'key'), col('__lake_e', 'value', 'f')], true);
    assert.deepEqual((filtered as JsonObject).children, [
      col('m'),
      { ...lambda(['k', 'v'], entryBody), lhs: col('__lake_e') },
      col('__lake_arg2'),
      col('__lake_arg3'),
    ]);
    const transformed = FUNCTION_REWRITES.transform_values(
      call('transform_values', col('m'), lambda(['k', 'v'], body)),
      template,
    ) as JsonObject;
    assert.deepEqual(argumentsOf(transformed).slice(0, 2), [col('m'), entryBody]);
  });

  test('zip_with reads element __lake_i of each array, and refuses field access on a parameter', () => {
    const zipped = FUNCTION_REWRITES.zip_with(
      call('zip_with', col('a'), col('b'), lambda(['x', 'y'], functionNode('+', [col('x'), col('y')], true))),
      template,
    ) as JsonObject;
    const at = (list: string) => operatorNode('ARRAY_EXTRACT', [col(list), col('__lake_i')]);
    assert.deepEqual(argumentsOf(zipped).slice(0, 3), [
      col('a'),
      col('b'),
      functionNode('+', [at('a'), at('b')], true),
    ]);
    assert.throws(
      () =>
        FUNCTION_REWRITES.zip_with(
          call('zip_with', col('a'), col('b'), lambda(['x', 'y'], col('x', 'f'))),
          template,
        ),
      (error: unknown) =>
        error instanceof LakeQueryError &&
        error.message === 'Field access on this lambda parameter is not supported.',
    );
  });

  test('set_agg becomes array_agg DISTINCT; a template placeholder keeps the name it carries', () => {
    const aggregated = FUNCTION_REWRITES.set_agg(call('set_agg', col('x')), template) as JsonObject;
    assert.equal(aggregated.function_name, 'array_agg');
    assert.equal(aggregated.distinct, true);
    const named: TemplateSource = () =>
      functionNode('struct_pack', [{ ...col('__lake_arg1'), alias: 'value' }]);
    const packed = FUNCTION_REWRITES.map_agg(call('map_agg', col('k'), col('v')), named) as JsonObject;
    assert.deepEqual(packed.children, [{ ...col('v'), alias: 'value' }]);
  });
});
