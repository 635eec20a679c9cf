import { isObject, type Json, type JsonObject } from './ast-json.ts';
import {
  argumentsOf,
  constantString,
  lambdaParamNames,
  lambdaParamRefs,
  plainName,
  str,
} from './ast-nodes.ts';
import { jodaFormatToStrftime, mysqlFormatToStrftime } from './datetime-formats.ts';
import { invalidQuery } from './errors.ts';
import { LAKE_FUNCTIONS, type CustomRewrite } from './functions.ts';
import { javaReplacementToRe2 } from './java-replacement.ts';

/**
 * The arguments each custom-rewritten function accepts (see function-rewrites.ts), checked once
 * the arguments themselves have been. A check sees the arguments as written; where a rewrite of
 * an argument changes what a check looks at, {@link asRewritten} says so.
 */
export const ARGUMENT_CHECKS: Record<CustomRewrite, (call: JsonObject) => void> = {
  element_at: (call) => checkArity(call, 2),
  concat: (call) => {
    if (argumentsOf(call).length === 0) throw invalidQuery('Function concat needs at least one argument.');
  },
  replace: (call) => checkArity(call, 2, 3),
  regexp_replace: (call) => {
    checkArity(call, 2, 3);
    const replacement = constantString(asRewritten(argumentsOf(call)[2]));
    if (replacement !== undefined) javaReplacementToRe2(replacement);
  },
  date_format: checkFormat('date_format', mysqlFormatToStrftime),
  date_parse: checkFormat('date_parse', mysqlFormatToStrftime),
  format_datetime: checkFormat('format_datetime', jodaFormatToStrftime),
  parse_datetime: checkFormat('parse_datetime', jodaFormatToStrftime),
  reduce: (call) => checkArity(call, 4),
  any_match: (call) => checkArity(call, 2),
  none_match: (call) => checkArity(call, 2),
  all_match: (call) => {
    checkArity(call, 2);
    const lambda = asRewritten(argumentsOf(call)[1]);
    if (!isObject(lambda) || lambda.class !== 'LAMBDA')
      throw invalidQuery('all_match needs a lambda expression.');
  },
  map_filter: (call) => checkMapLambda(call),
  transform_values: (call) => checkMapLambda(call),
  transform_keys: (call) => checkMapLambda(call),
  zip_with: (call) => {
    checkArity(call, 3);
    const lambda = asRewritten(argumentsOf(call)[2]);
    const names = new Set(checkLambdaParams(lambda, 2));
    // The rewrite puts an element of each array (a subscript) where a parameter was.
    if (isObject(lambda) && readsFieldOf(lambda.expr, names)) {
      throw invalidQuery('Field access on this lambda parameter is not supported.');
    }
  },
  map_agg: (call) => checkArity(call, 2),
  set_agg: (call) => checkArity(call, 1),
};

function checkArity(call: JsonObject, ...counts: number[]): void {
  const args = argumentsOf(call);
  if (!counts.includes(args.length)) {
    throw invalidQuery(
      `Function ${str(call.function_name)} takes ${counts.join(' or ')} arguments, not ${args.length}.`,
    );
  }
}

/** The rewrite converts a constant format when the statement is translated (datetime-formats.ts). */
function checkFormat(name: CustomRewrite, convert: (format: string) => string): (call: JsonObject) => void {
  return (call) => {
    checkArity(call, 2);
    const format = constantString(asRewritten(argumentsOf(call)[1]));
    if (format === undefined) throw invalidQuery(`Function ${name} needs a constant format string.`);
    convert(format);
  };
}

/** map_filter, transform_values and transform_keys take a map and a lambda `(k, v) -> ...`. */
function checkMapLambda(call: JsonObject): void {
  checkArity(call, 2);
  checkLambdaParams(asRewritten(argumentsOf(call)[1]), 2);
}

/** The parameter names (lower case) of a lambda that must take `count` plain names. */
function checkLambdaParams(node: Json | undefined, count: number): string[] {
  const refs = lambdaParamRefs(node);
  if (refs === undefined) throw invalidQuery('A lambda expression (x -> ...) was expected.');
  const names = refs.map((ref) => {
    const name = plainName(ref);
    if (name === undefined) throw invalidQuery('Lambda parameters must be plain names.');
    return name;
  });
  if (names.length !== count) throw invalidQuery(`The lambda expression must take ${count} parameters.`);
  return names;
}

/**
 * What an argument is once rewritten, where that differs for a check: `concat(x)` of one argument
 * is rewritten to `x`, so `date_format(t, concat('%Y'))` has a constant format and
 * `all_match(a, concat(x -> ...))` a lambda.
 */
export function asRewritten(node: Json | undefined): Json | undefined {
  let current = node;
  while (
    isObject(current) &&
    current.class === 'FUNCTION' &&
    current.is_operator !== true &&
    str(current.function_name).toLowerCase() === 'concat' &&
    Array.isArray(current.children) &&
    current.children.length === 1
  ) {
    current = current.children[0];
  }
  return current;
}

/** Where the rewrites of map_filter, transform_values, transform_keys and zip_with put their lambda. */
const SUBSTITUTED_LAMBDA_AT: Partial<Record<string, number>> = {
  map_filter: 1,
  transform_values: 1,
  transform_keys: 1,
  zip_with: 2,
};

/**
 * Whether `node` reads a field (`x.f`) of one of `names` (lower case) where the zip_with rewrite
 * will meet it. Nested map_filter, transform_* and zip_with rewrites first replace their own
 * parameters, which hide outer ones of the same name; other custom rewrites keep only their
 * arguments.
 */
export function readsFieldOf(node: Json | undefined, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  if (Array.isArray(node)) return node.some((child) => readsFieldOf(child, names));
  if (!isObject(node)) return false;
  if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) {
    return node.column_names.length > 1 && names.has(str(node.column_names[0]).toLowerCase());
  }
  const name = str(node.function_name).toLowerCase();
  const rule = node.class === 'FUNCTION' && node.is_operator !== true ? LAKE_FUNCTIONS[name] : undefined;
  if (rule === undefined || !('custom' in rule)) {
    return Object.values(node).some((value) => readsFieldOf(value, names));
  }
  const lambdaAt = SUBSTITUTED_LAMBDA_AT[name];
  return argumentsOf(node).some((arg, i) => {
    const hidden = i === lambdaAt ? (lambdaParamNames(asRewritten(arg)) ?? []) : [];
    return readsFieldOf(arg, new Set([...names].filter((n) => !hidden.includes(n))));
  });
}
