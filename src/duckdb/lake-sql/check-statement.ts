import { isObject, type Json, type JsonObject } from './ast-json.ts';
import { QUERY_NODES, str } from './ast-nodes.ts';
import { ARGUMENT_CHECKS } from './check-arguments.ts';
import { invalidQuery, LakeQueryError } from './errors.ts';
import { LAKE_FUNCTIONS, OPERATOR_TYPES, OPERATORS, PARSER_FUNCTIONS } from './functions.ts';
import type { StoreResolver } from './lake-translation.ts';
import { looksLikeStoreName } from './store-ids.ts';

/**
 * What Lake accepts, checked on DuckDB's syntax tree of a statement before anything is rewritten:
 * one SELECT, tables that are stores or CTEs, `UNNEST` as the only table function, known
 * functions and operators, and the arguments the rewritten functions need. The walk visits a
 * node's parts in the order DuckDB's tree lists them, a call's arguments before the call, and
 * reports the first fault it meets. It changes nothing; rewrite-statement.ts and
 * function-rewrites.ts rely on what it let through.
 *
 * Parses attacker-controlled input: node types, expression classes, functions and operators are
 * refused unless an allowlist names them.
 */

/**
 * StartQuery's QueryStatement is limited to 10,000 characters (CloudTrail API reference,
 * StartQuery: "Length Constraints: Minimum length of 1. Maximum length of 10000").
 */
export const MAX_STATEMENT_CHARS = 10_000;

/** A FROM that names an event data store. */
export interface StoreReference {
  /** The statement's BASE_TABLE node. */
  ref: JsonObject;
  /** The store ID or ARN as written. */
  name: string;
  /** The table the resolver gave for it. */
  target: string;
}

export interface CheckedStatement {
  /** The statement's query node (a SELECT, a set operation or a CTE node). */
  node: JsonObject;
  /** Every FROM naming a store, in order of appearance (a store read twice is here twice). */
  stores: StoreReference[];
}

const TABLE_REFS = new Set([
  'BASE_TABLE',
  'JOIN',
  'SUBQUERY',
  'TABLE_FUNCTION',
  'EMPTY',
  'EXPRESSION_LIST',
  'PIVOT',
  'SHOW_REF',
  'COLUMN_DATA',
  'DELIM_GET',
  'CROSS_PRODUCT',
  'INVALID',
]);

/** The walk's position: the CTE names in scope, and the stores found so far. */
interface Checking {
  readonly ctes: ReadonlySet<string>;
  readonly resolve: StoreResolver;
  readonly stores: StoreReference[];
}

/** Refuses an empty or too long statement before it is parsed. */
export function checkStatementText(statement: string): void {
  if (statement.trim() === '') throw invalidQuery('The query statement is empty.');
  if (statement.length > MAX_STATEMENT_CHARS) {
    throw invalidQuery(
      `The query statement is ${statement.length} characters long; the limit is ${MAX_STATEMENT_CHARS}.`,
    );
  }
}

/**
 * Checks DuckDB's tree of a statement (`json_serialize_sql`), resolving each store it names.
 * Throws LakeQueryError for the first thing Lake does not accept.
 */
export function checkLakeStatement(tree: JsonObject, resolve: StoreResolver): CheckedStatement {
  const statements = tree.statements;
  if (!Array.isArray(statements) || statements.length !== 1) {
    throw invalidQuery('Only one SELECT statement is allowed in a query.');
  }
  const root = statements[0];
  if (!isObject(root) || !isObject(root.node)) throw invalidQuery('Only SELECT statements are allowed.');
  const named = root.named_param_map;
  if (Array.isArray(named) && named.length > 0) throw invalidQuery('Query parameters are not supported.');
  const stores: StoreReference[] = [];
  checkQuery(root.node, { ctes: new Set(), resolve, stores });
  if (stores.length === 0) {
    throw invalidQuery(
      'The query must read from at least one event data store (FROM <event data store ID>).',
    );
  }
  return { node: root.node, stores };
}

function checkQuery(node: Json, c: Checking): void {
  if (!isObject(node) || !QUERY_NODES.has(str(node.type))) {
    throw invalidQuery(`Unsupported query construct ${isObject(node) ? str(node.type) : ''}.`);
  }
  let inner = c;
  const cteMap = node.cte_map;
  if (isObject(cteMap) && Array.isArray(cteMap.map) && cteMap.map.length > 0) {
    const ctes = new Set(c.ctes);
    for (const entry of cteMap.map) if (isObject(entry)) ctes.add(str(entry.key).toLowerCase());
    inner = { ...c, ctes };
    for (const entry of cteMap.map) if (isObject(entry)) checkValue(entry.value, inner);
  }
  if (node.type === 'RECURSIVE_CTE_NODE' && typeof node.ctename === 'string') {
    inner = { ...inner, ctes: new Set([...inner.ctes, node.ctename.toLowerCase()]) };
  }
  for (const key of Object.keys(node)) {
    if (key === 'cte_map') continue;
    if (key === 'from_table') checkTableRef(node.from_table, inner);
    else checkValue(node[key], inner);
  }
}

/** Checks any part of the tree. */
function checkValue(value: Json | undefined, c: Checking): void {
  if (Array.isArray(value)) {
    for (const item of value) checkValue(item, c);
    return;
  }
  if (!isObject(value)) return;
  if (typeof value.class === 'string') {
    checkExpression(value, c);
    return;
  }
  const type = value.type;
  if (typeof type === 'string') {
    if (QUERY_NODES.has(type)) {
      checkQuery(value, c);
      return;
    }
    if (TABLE_REFS.has(type) || type.endsWith('_NODE'))
      throw invalidQuery(`Unsupported query construct ${type}.`);
  }
  checkFields(value, c);
}

function checkFields(node: JsonObject, c: Checking): void {
  for (const key of Object.keys(node)) if (key !== 'class') checkValue(node[key], c);
}

/** What FROM may hold, by table reference type. */
const TABLE_REF_CHECKS = new Map<string, (ref: JsonObject, c: Checking) => void>([
  ['EMPTY', () => undefined],
  ['BASE_TABLE', checkBaseTable],
  [
    'JOIN',
    (ref, c) => {
      checkTableRef(ref.left, c);
      checkTableRef(ref.right, c);
      checkValue(ref.condition, c);
    },
  ],
  [
    'SUBQUERY',
    (ref, c) => {
      checkValue(ref.subquery, c);
      checkValue(ref.sample, c);
    },
  ],
  ['TABLE_FUNCTION', checkTableFunction],
  ['EXPRESSION_LIST', (ref, c) => checkValue(ref.values, c)],
]);

function checkTableRef(ref: Json | undefined, c: Checking): void {
  if (!isObject(ref)) throw invalidQuery('Unsupported FROM clause.');
  const type = str(ref.type);
  const check = TABLE_REF_CHECKS.get(type);
  if (check === undefined) {
    throw invalidQuery(`${type || 'This'} is not supported in FROM; a query reads event data stores.`);
  }
  check(ref, c);
}

/** A table in FROM is a CTE in scope or an event data store the caller can see. */
function checkBaseTable(ref: JsonObject, c: Checking): void {
  if (ref.at_clause !== null && ref.at_clause !== undefined)
    throw invalidQuery('AT (time travel) clauses are not supported.');
  checkValue(ref.sample, c);
  const catalog = str(ref.catalog_name);
  const schema = str(ref.schema_name);
  const name = str(ref.table_name);
  if (!catalog && !schema && c.ctes.has(name.toLowerCase())) return;
  if (catalog || schema) {
    throw invalidQuery(
      `"${[catalog, schema, name].filter(Boolean).join('.')}" is not an event data store; FROM must name an event data store by its ID.`,
    );
  }
  const target = c.resolve(name);
  if (target === undefined) {
    if (looksLikeStoreName(name)) {
      throw new LakeQueryError(
        'EventDataStoreNotFoundException',
        `The event data store ${name} was not found.`,
      );
    }
    throw invalidQuery(`"${name}" is not an event data store; FROM must name an event data store by its ID.`);
  }
  c.stores.push({ ref, name, target });
}

function checkTableFunction(ref: JsonObject, c: Checking): void {
  const fn = ref.function;
  if (
    !isObject(fn) ||
    fn.class !== 'FUNCTION' ||
    str(fn.function_name).toLowerCase() !== 'unnest' ||
    str(fn.schema) ||
    str(fn.catalog)
  ) {
    const name = isObject(fn) ? str(fn.function_name) : '';
    throw invalidQuery(
      `Table function ${name}() is not allowed; FROM may name event data stores, subqueries and UNNEST only.`,
    );
  }
  checkValue(fn.children, c);
  checkValue(ref.sample, c);
}

/** The expression classes a statement may use, each with what is checked inside it. */
const EXPRESSION_CHECKS = new Map<string, (node: JsonObject, c: Checking) => void>([
  ['COLUMN_REF', () => undefined],
  ['CONSTANT', () => undefined],
  ['POSITIONAL_REFERENCE', () => undefined],
  ['LAMBDA', (node, c) => checkValue(node.expr, c)],
  ['OPERATOR', checkOperator],
  ['FUNCTION', checkFunctionCall],
  ['WINDOW', checkWindowCall],
  ['COMPARISON', checkFields],
  ['CONJUNCTION', checkFields],
  ['CASE', checkFields],
  ['CAST', checkFields],
  ['BETWEEN', checkFields],
  ['SUBQUERY', checkFields],
  ['STAR', checkFields],
  ['COLLATE', checkFields],
]);

function checkExpression(node: JsonObject, c: Checking): void {
  const cls = str(node.class);
  const check = EXPRESSION_CHECKS.get(cls);
  if (check === undefined) throw invalidQuery(`${cls} expressions are not supported.`);
  check(node, c);
}

function checkOperator(node: JsonObject, c: Checking): void {
  if (!OPERATOR_TYPES.has(str(node.type))) throw invalidQuery(`Operator ${str(node.type)} is not supported.`);
  checkFields(node, c);
}

/** Functions are called by their bare name; `main.` and `system.` name the same built-ins. */
function checkQualifiedName(node: JsonObject): void {
  const schema = str(node.schema).toLowerCase();
  const catalog = str(node.catalog).toLowerCase();
  if ((catalog && catalog !== 'system') || (schema && schema !== 'main')) {
    throw invalidQuery(
      `Function ${[catalog, schema, str(node.function_name)].filter(Boolean).join('.')} is not supported.`,
    );
  }
}

function checkFunctionCall(node: JsonObject, c: Checking): void {
  const name = str(node.function_name).toLowerCase();
  checkQualifiedName(node);
  if (node.export_state === true) throw invalidQuery('EXPORT_STATE is not supported.');
  checkFields(node, c);
  if (node.is_operator === true) {
    if (!OPERATORS.has(name)) throw invalidQuery(`Operator ${name} is not supported.`);
    return;
  }
  const rule = LAKE_FUNCTIONS[name];
  if (rule === undefined) {
    if (PARSER_FUNCTIONS.has(name)) return;
    throw invalidQuery(`Function ${name} is not supported.`);
  }
  if ('custom' in rule) ARGUMENT_CHECKS[rule.custom](node);
}

function checkWindowCall(node: JsonObject, c: Checking): void {
  const name = str(node.function_name).toLowerCase();
  checkQualifiedName(node);
  const rule = LAKE_FUNCTIONS[name];
  if (rule === undefined || 'custom' in rule || (rule.kind !== 'window' && rule.kind !== 'aggregate')) {
    throw invalidQuery(`Function ${name} cannot be used as a window function.`);
  }
  checkFields(node, c);
}
