import { isObject, type Json, type JsonObject } from './ast-json.ts';
import { QUERY_NODES, functionNode, operatorNode, str, type TableParts } from './ast-nodes.ts';
import type { CheckedStatement, StoreReference } from './check-statement.ts';
import { lakeColumnName } from './column-names.ts';
import { FUNCTION_REWRITES, type TemplateSource } from './function-rewrites.ts';
import { LAKE_FUNCTIONS } from './functions.ts';

/**
 * Rewrites a statement that check-statement.ts accepted into DuckDB SQL with Trino's semantics,
 * changing its tree in place: each store becomes its table, each function its DuckDB name or
 * rewrite (functions.ts, function-rewrites.ts), CAST to varchar Trino's rendering, and the result
 * columns get Lake's names. It visits the parts the check visited, each call after its arguments.
 */

export interface RewriteContext {
  /** The table a store reference's target names, as a BASE_TABLE node names it. */
  tableOf: (target: string) => TableParts;
  template: TemplateSource;
}

export function rewriteLakeStatement(checked: CheckedStatement, context: RewriteContext): void {
  const { node } = checked;
  const columnNames = topSelectList(node)?.map((item, i) =>
    isObject(item) && item.class !== 'STAR' ? lakeColumnName(item, i) : undefined,
  );
  // Tables first: a rewrite may copy a subquery that reads a store (all_match copies its lambda).
  for (const store of checked.stores) pointAtTable(store, context.tableOf(store.target));
  rewriteQuery(node, context);
  // Lake names result columns as Trino does (`_col0` for unnamed expressions, the field name for
  // `a.b`, case as written); aliasing the outer select list makes DuckDB's names the same.
  topSelectList(node)?.forEach((item, i) => {
    const name = columnNames?.[i];
    if (isObject(item) && name !== undefined) item.alias = name;
  });
}

/** The select list whose items name the result's columns: the leftmost SELECT of the statement. */
function topSelectList(node: Json | undefined): Json[] | undefined {
  let current = node;
  while (isObject(current) && current.type === 'SET_OPERATION_NODE') current = current.left;
  return isObject(current) && current.type === 'SELECT_NODE' && Array.isArray(current.select_list)
    ? current.select_list
    : undefined;
}

/** The store's table replaces its ID; the ID stays as the alias columns are qualified with. */
function pointAtTable({ ref, name }: StoreReference, parts: TableParts): void {
  ref.catalog_name = parts.catalog;
  ref.schema_name = parts.schema;
  ref.table_name = parts.table;
  if (!str(ref.alias)) ref.alias = name;
}

function rewriteQuery(node: JsonObject, cx: RewriteContext): void {
  const cteMap = node.cte_map;
  if (isObject(cteMap) && Array.isArray(cteMap.map)) {
    for (const entry of cteMap.map) if (isObject(entry)) entry.value = rewriteValue(entry.value, cx);
  }
  for (const key of Object.keys(node)) {
    if (key === 'cte_map') continue;
    if (key === 'from_table') rewriteTableRef(node.from_table, cx);
    else node[key] = rewriteValue(node[key], cx);
  }
}

/** Rewrites any part of the tree, returning its (possibly replaced) value. */
function rewriteValue(value: Json | undefined, cx: RewriteContext): Json {
  if (value === undefined) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = rewriteValue(value[i], cx);
    return value;
  }
  if (!isObject(value)) return value;
  if (typeof value.class === 'string') return rewriteExpression(value, cx);
  if (typeof value.type === 'string' && QUERY_NODES.has(value.type)) rewriteQuery(value, cx);
  else rewriteFields(value, cx);
  return value;
}

function rewriteFields(node: JsonObject, cx: RewriteContext): void {
  for (const key of Object.keys(node)) if (key !== 'class') node[key] = rewriteValue(node[key], cx);
}

/** The parts of each kind of table reference that hold expressions or queries. */
function rewriteTableRef(ref: Json | undefined, cx: RewriteContext): void {
  if (!isObject(ref)) return;
  switch (str(ref.type)) {
    case 'BASE_TABLE':
      ref.sample = rewriteValue(ref.sample, cx);
      return;
    case 'JOIN':
      rewriteTableRef(ref.left, cx);
      rewriteTableRef(ref.right, cx);
      ref.condition = rewriteValue(ref.condition, cx);
      return;
    case 'SUBQUERY':
      ref.subquery = rewriteValue(ref.subquery, cx);
      ref.sample = rewriteValue(ref.sample, cx);
      return;
    case 'TABLE_FUNCTION':
      if (isObject(ref.function)) ref.function.children = rewriteValue(ref.function.children, cx);
      ref.sample = rewriteValue(ref.sample, cx);
      return;
    case 'EXPRESSION_LIST':
      ref.values = rewriteValue(ref.values, cx);
      return;
  }
}

/** How each class of expression is rewritten; any other class has its parts rewritten. */
const EXPRESSION_REWRITES = new Map<string, (node: JsonObject, cx: RewriteContext) => Json>([
  ['COLUMN_REF', (node) => node],
  ['CONSTANT', (node) => node],
  ['POSITIONAL_REFERENCE', (node) => node],
  [
    'LAMBDA',
    (node, cx) => {
      node.expr = rewriteValue(node.expr, cx);
      return node;
    },
  ],
  ['CAST', rewriteCast],
  ['FUNCTION', rewriteFunctionCall],
  ['WINDOW', rewriteWindowCall],
]);

function rewriteExpression(node: JsonObject, cx: RewriteContext): Json {
  const rewrite = EXPRESSION_REWRITES.get(str(node.class));
  if (rewrite) return rewrite(node, cx);
  rewriteFields(node, cx);
  return node;
}

function rewriteCast(node: JsonObject, cx: RewriteContext): Json {
  rewriteFields(node, cx);
  const target = node.cast_type;
  // Trino's CAST(json AS varchar) unwraps a JSON string, CAST(timestamp AS varchar) keeps milliseconds.
  if (!isObject(target) || target.id !== 'VARCHAR' || target.type_info !== null) return node;
  const wrapped = functionNode('lake_varchar', [node.child ?? null]);
  wrapped.alias = node.alias ?? '';
  if (node.try_cast === true) return operatorNode('OPERATOR_TRY', [{ ...wrapped, alias: '' }], wrapped.alias);
  return wrapped;
}

function rewriteFunctionCall(node: JsonObject, cx: RewriteContext): Json {
  rewriteFields(node, cx);
  if (node.is_operator === true) return node;
  const rule = LAKE_FUNCTIONS[str(node.function_name).toLowerCase()];
  // No rule: a name DuckDB's parser writes for Trino syntax (PARSER_FUNCTIONS), kept as it is.
  if (rule === undefined) return node;
  if ('custom' in rule) {
    const replaced = FUNCTION_REWRITES[rule.custom](node, cx.template);
    if (isObject(replaced)) replaced.alias = node.alias ?? '';
    return replaced;
  }
  if (rule.to) {
    node.function_name = rule.to;
    node.schema = '';
    node.catalog = '';
  }
  return node;
}

function rewriteWindowCall(node: JsonObject, cx: RewriteContext): Json {
  rewriteFields(node, cx);
  const rule = LAKE_FUNCTIONS[str(node.function_name).toLowerCase()];
  if (rule !== undefined && !('custom' in rule) && rule.to) node.function_name = rule.to;
  return node;
}
