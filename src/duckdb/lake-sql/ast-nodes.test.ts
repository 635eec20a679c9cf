import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Json, JsonObject } from './ast-json.ts';
import {
  argumentsOf,
  columnRef,
  constantString,
  functionNode,
  lambdaParamNames,
  lambdaParamRefs,
  plainName,
  stringNode,
} from './ast-nodes.ts';

function lambda(lhs: Json): JsonObject {
  return { class: 'LAMBDA', type: 'LAMBDA', alias: '', query_location: 0, lhs, expr: null };
}

describe('syntax tree nodes', () => {
  test('constantString() reads VARCHAR constants only', () => {
    assert.equal(constantString(stringNode('%Y')), '%Y');
    assert.equal(constantString(columnRef(['x'])), undefined);
    assert.equal(
      constantString({ class: 'CONSTANT', value: { type: { id: 'INTEGER' }, is_null: false, value: 1 } }),
      undefined,
    );
    assert.equal(constantString(undefined), undefined);
  });

  test('lambdaParamNames() reads one name or a row of names, in lower case', () => {
    assert.deepEqual(lambdaParamNames(lambda(columnRef(['X']))), ['x']);
    assert.deepEqual(lambdaParamNames(lambda(functionNode('row', [columnRef(['k']), columnRef(['V'])]))), [
      'k',
      'v',
    ]);
  });

  test('lambdaParamNames() is undefined for a qualified parameter or an expression that is not a lambda', () => {
    assert.equal(lambdaParamNames(lambda(columnRef(['t', 'x']))), undefined);
    assert.equal(lambdaParamNames(columnRef(['x'])), undefined);
    assert.equal(lambdaParamRefs(columnRef(['x'])), undefined);
    assert.deepEqual(lambdaParamRefs(lambda(null)), [null]);
    assert.equal(plainName(stringNode('x')), undefined);
  });

  test("argumentsOf() is a call's children, or none", () => {
    assert.deepEqual(argumentsOf(functionNode('f', [stringNode('a')])), [stringNode('a')]);
    assert.deepEqual(argumentsOf(columnRef(['x'])), []);
  });
});
