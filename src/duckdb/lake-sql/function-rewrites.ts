import { cloneJson, isObject, type Json, type JsonObject } from './ast-json.ts';
import {
  argumentsOf,
  columnRef,
  constantString,
  functionNode,
  lambdaParamNames,
  operatorNode,
  str,
  stringNode,
} from './ast-nodes.ts';
import { jodaFormatToStrftime, mysqlFormatToStrftime } from './datetime-formats.ts';
import { invalidQuery } from './errors.ts';
import type { CustomRewrite } from './functions.ts';
import { javaReplacementToRe2 } from './java-replacement.ts';

/**
 * How each custom-rewritten Trino function call becomes DuckDB (functions.ts names which ones).
 * A rewrite gets the call with its arguments already rewritten, and relies on check-arguments.ts
 * having accepted them (arity, constant formats, lambdas).
 */

/** The parsed expression of `TEMPLATES[key]` (functions.ts); shared, so copied before use. */
export type TemplateSource = (key: string) => JsonObject;

export type FunctionRewrite = (call: JsonObject, template: TemplateSource) => Json;

export const FUNCTION_REWRITES: Record<CustomRewrite, FunctionRewrite> = {
  // DuckDB's subscript has Trino's element_at semantics for both maps (value or NULL) and
  // arrays (1-based, negative from the end, NULL out of range).
  element_at: (call) => operatorNode('ARRAY_EXTRACT', argumentsOf(call)),
  // Trino's concat is NULL when any argument is; DuckDB's `||` behaves so (and joins arrays).
  concat: (call) => argumentsOf(call).reduce((joined, arg) => functionNode('||', [joined, arg], true)),
  replace: (call) => {
    const args = argumentsOf(call);
    if (args.length === 2) call.children = [...args, stringNode('')];
    return call;
  },
  regexp_replace: rewriteRegexpReplace,
  date_format: (call) => formatCall('strftime', mysqlFormatToStrftime, call),
  date_parse: (call) => formatCall('strptime', mysqlFormatToStrftime, call),
  format_datetime: (call) => formatCall('strftime', jodaFormatToStrftime, call),
  parse_datetime: (call) => formatCall('strptime', jodaFormatToStrftime, call),
  reduce: (call, template) => {
    const args = argumentsOf(call);
    return fillTemplate(template(isIdentityLambda(args[3]) ? 'reduce' : 'reduceOut'), args);
  },
  any_match: (call, template) => fillTemplate(template('any_match'), argumentsOf(call)),
  none_match: (call, template) => fillTemplate(template('none_match'), argumentsOf(call)),
  all_match: rewriteAllMatch,
  map_filter: (call, template) => {
    const [map, lambda] = mapAndLambda(call);
    const withEntry = { ...lambda, lhs: columnRef(['__lake_e']), expr: entryBody(lambda) };
    return fillTemplate(template('map_filter'), [map, withEntry]);
  },
  transform_values: transformEntries('transform_values'),
  transform_keys: transformEntries('transform_keys'),
  zip_with: rewriteZipWith,
  map_agg: (call, template) => fillTemplate(template('map_agg'), argumentsOf(call)),
  set_agg: (call) => {
    call.function_name = 'array_agg';
    call.distinct = true;
    return call;
  },
};

/** Trino replaces every match and numbers groups `$1`; DuckDB needs 'g' and `\1`. */
function rewriteRegexpReplace(call: JsonObject): Json {
  const args = argumentsOf(call);
  const replacement = args[2] ?? stringNode('');
  const text = constantString(replacement);
  const rewritten =
    text !== undefined
      ? stringNode(javaReplacementToRe2(text))
      : functionNode('regexp_replace', [
          replacement,
          stringNode('\\$(\\d)'),
          stringNode('\\\\\\1'),
          stringNode('g'),
        ]);
  call.children = [args[0]!, args[1]!, rewritten, stringNode('g')];
  return call;
}

/** A Trino date function as strftime/strptime with its constant format converted. */
function formatCall(name: string, convert: (format: string) => string, call: JsonObject): Json {
  const args = argumentsOf(call);
  return functionNode(name, [args[0]!, stringNode(convert(constantString(args[1])!))]);
}

/** all_match is false as soon as the negated lambda holds for an element. */
function rewriteAllMatch(call: JsonObject, template: TemplateSource): Json {
  const args = argumentsOf(call);
  const lambda = args[1] as JsonObject;
  const negated = cloneJson(lambda);
  negated.expr = operatorNode('OPERATOR_NOT', [negated.expr ?? null]);
  return fillTemplate(template('all_match'), [args[0]!, lambda, negated]);
}

/** zip_with's lambda reads the Nth element of each array, N running over the longer one. */
function rewriteZipWith(call: JsonObject, template: TemplateSource): Json {
  const args = argumentsOf(call);
  const [x, y] = paramPair(args[2]);
  const at = (list: Json): JsonObject =>
    operatorNode('ARRAY_EXTRACT', [cloneJson(list), columnRef(['__lake_i'])]);
  const body = substitute((args[2] as JsonObject).expr ?? null, {
    [x]: at(args[0]!),
    [y]: at(args[1]!),
  });
  return fillTemplate(template('zip_with'), [args[0]!, args[1]!, body]);
}

/** transform_values and transform_keys rebuild each entry with the lambda's result in place. */
function transformEntries(key: 'transform_values' | 'transform_keys'): FunctionRewrite {
  return (call, template) => {
    const [map, lambda] = mapAndLambda(call);
    return fillTemplate(template(key), [map, entryBody(lambda)]);
  };
}

function mapAndLambda(call: JsonObject): [Json, JsonObject] {
  const args = argumentsOf(call);
  return [args[0]!, args[1] as JsonObject];
}

/** The body of a lambda `(k, v) -> ...` over a map entry `__lake_e` (a struct of key and value). */
function entryBody(lambda: JsonObject): Json {
  const [k, v] = paramPair(lambda);
  return substitute(lambda.expr ?? null, {
    [k]: columnRef(['__lake_e', 'key']),
    [v]: columnRef(['__lake_e', 'value']),
  });
}

function paramPair(lambda: Json | undefined): [string, string] {
  const [first, second] = lambdaParamNames(lambda) ?? [];
  if (first === undefined || second === undefined) throw new Error('A lambda reached the rewrite unchecked');
  return [first, second];
}

/** A copy of a template with `__lake_argN` standing for the Nth of `args`. */
function fillTemplate(template: JsonObject, args: Json[]): Json {
  const replacements: Record<string, Json> = {};
  args.forEach((arg, i) => (replacements[`__lake_arg${i}`] = arg));
  return substitute(cloneJson(template), replacements, true);
}

/** `x -> x`: reduce's output function when it changes nothing. */
function isIdentityLambda(node: Json | undefined): boolean {
  if (!isObject(node) || node.class !== 'LAMBDA') return false;
  const lhs = node.lhs;
  const expr = node.expr;
  if (!isObject(lhs) || !isObject(expr) || lhs.class !== 'COLUMN_REF' || expr.class !== 'COLUMN_REF')
    return false;
  const a = lhs.column_names;
  const b = expr.column_names;
  return (
    Array.isArray(a) &&
    Array.isArray(b) &&
    a.length === 1 &&
    b.length === 1 &&
    str(a[0]).toLowerCase() === str(b[0]).toLowerCase()
  );
}

/**
 * Replaces column references whose first name part is a key of `replacements` (case-insensitively
 * unless `exact`). Field access on a replaced parameter stays field access when the replacement is
 * a column reference; on anything else it is refused. check-arguments.ts refuses that earlier for
 * zip_with, except where it cannot see it (a parameter named like the rewrites' own `__lake_e`).
 */
function substitute(node: Json, replacements: Record<string, Json>, exact = false): Json {
  if (Array.isArray(node)) return node.map((child) => substitute(child, replacements, exact));
  if (!isObject(node)) return node;
  if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) {
    const parts = node.column_names.map((p) => str(p));
    const head = exact ? (parts[0] ?? '') : (parts[0] ?? '').toLowerCase();
    const replacement = replacements[head];
    if (replacement !== undefined && (!exact || parts.length === 1)) {
      const copy = cloneJson(replacement);
      // A template's placeholder may carry a name (`struct_pack(value := __lake_arg1)`).
      if (isObject(copy) && str(node.alias) !== '') copy.alias = node.alias ?? '';
      if (parts.length === 1) return copy;
      if (isObject(copy) && copy.class === 'COLUMN_REF' && Array.isArray(copy.column_names)) {
        return { ...copy, column_names: [...copy.column_names, ...parts.slice(1)] };
      }
      throw invalidQuery('Field access on this lambda parameter is not supported.');
    }
    return node;
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = substitute(v, replacements, exact);
  return out;
}
