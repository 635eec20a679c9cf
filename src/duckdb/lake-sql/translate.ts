import type {
  DuckDBConnection,
  DuckDBMaterializedResult,
  DuckDBPreparedStatement,
  DuckDBValue,
} from '@duckdb/node-api';
import {
  cloneJson,
  isObject,
  parseAstJson,
  stringifyAstJson,
  type Json,
  type JsonObject,
} from './ast-json.ts';
import { jodaFormatToStrftime, mysqlFormatToStrftime } from './datetime-formats.ts';
import { invalidQuery, LakeQueryError } from './errors.ts';
import {
  LAKE_FUNCTIONS,
  OPERATOR_TYPES,
  OPERATORS,
  PARSER_FUNCTIONS,
  TEMPLATES,
  type CustomRewrite,
} from './functions.ts';
import { lakeColumnName } from './column-names.ts';
import { looksLikeStoreName, quoteStoreIds } from './store-ids.ts';
import { TranslationCache } from './translation-cache.ts';

/**
 * Given an event data store ID or ARN as written in FROM, the DuckDB table holding it (already
 * quoted, e.g. `lake."eds_0a1b"`), or `undefined` when the caller cannot see such a store.
 */
export type StoreResolver = (name: string) => string | undefined;

export interface LakeTranslation {
  /** DuckDB SQL to run on a connection prepared by `installLakeFunctions`. */
  sql: string;
  /** The store names (as written in FROM) the statement reads, each once, in order of appearance. */
  storeNames: string[];
}

/**
 * StartQuery's QueryStatement is limited to 10,000 characters (CloudTrail API reference,
 * StartQuery: "Length Constraints: Minimum length of 1. Maximum length of 10000").
 */
export const MAX_STATEMENT_CHARS = 10_000;

const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE', 'CTE_NODE']);
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
const EXPRESSION_CLASSES = new Set([
  'COLUMN_REF',
  'CONSTANT',
  'FUNCTION',
  'OPERATOR',
  'COMPARISON',
  'CONJUNCTION',
  'CASE',
  'CAST',
  'BETWEEN',
  'SUBQUERY',
  'STAR',
  'WINDOW',
  'LAMBDA',
  'COLLATE',
  'POSITIONAL_REFERENCE',
]);

/** How many translated statements a LakeTranslator keeps for repeats, unless told otherwise. */
export const DEFAULT_TRANSLATION_CACHE_ENTRIES = 256;

export interface LakeTranslatorOptions {
  /** Translated statements kept for a repeat of the same text (0 keeps none). */
  cacheEntries?: number;
}

interface TableParts {
  catalog: string;
  schema: string;
  table: string;
}

/**
 * Translates Lake (Trino) query statements into DuckDB SQL over the stores' tables, on a
 * connection of its own that `installLakeFunctions` prepared.
 *
 * Parses attacker-controlled input. DuckDB's own parser reads the statement (`json_serialize_sql`
 * accepts SELECT statements only); the resulting tree is then checked node by node against
 * allowlists — one SELECT, tables that are stores or CTEs, `UNNEST` as the only table function,
 * known functions and operators — and rewritten before `json_deserialize_sql` prints it back.
 * The translated SQL is bound (prepared, not run) so that unknown columns and type errors are
 * reported as InvalidQueryStatementException, as Lake does when StartQuery validates a query.
 *
 * The fixed cost is kept to three calls into DuckDB (parse, print, bind): the parse and print
 * statements are prepared once, a resolver's table names are split once, and a statement seen
 * before is answered from a {@link TranslationCache} without DuckDB when its stores still resolve
 * to the same tables. Translations run one at a time on the connection (they share its prepared
 * statements); cached answers do not wait.
 */
export class LakeTranslator {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly tables = new Map<string, TableParts>();
  private readonly cache: TranslationCache;
  private closed = false;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly serializeStatement: DuckDBPreparedStatement,
    private readonly deserializeStatement: DuckDBPreparedStatement,
    cacheEntries: number,
  ) {
    this.cache = new TranslationCache(cacheEntries);
  }

  static async open(
    connection: DuckDBConnection,
    options: LakeTranslatorOptions = {},
  ): Promise<LakeTranslator> {
    const serialize = await connection.prepare('SELECT json_serialize_sql(CAST($1 AS VARCHAR))');
    try {
      const deserialize = await connection.prepare('SELECT json_deserialize_sql(CAST($1 AS JSON))');
      return new LakeTranslator(
        connection,
        serialize,
        deserialize,
        options.cacheEntries ?? DEFAULT_TRANSLATION_CACHE_ENTRIES,
      );
    } catch (error) {
      serialize.destroySync();
      throw error;
    }
  }

  /** Statements whose translations are kept. */
  get cachedStatements(): number {
    return this.cache.size;
  }

  async translate(statement: string, resolve: StoreResolver): Promise<LakeTranslation> {
    if (statement.trim() === '') throw invalidQuery('The query statement is empty.');
    if (statement.length > MAX_STATEMENT_CHARS) {
      throw invalidQuery(
        `The query statement is ${statement.length} characters long; the limit is ${MAX_STATEMENT_CHARS}.`,
      );
    }
    const cached = this.cache.get(statement, resolve);
    if (cached) return cached;
    const { translation, targets } = await this.exclusive(() => this.translateNew(statement, resolve));
    this.cache.set(statement, translation, targets);
    return translation;
  }

  /** Releases the prepared statements; the connection stays open (its owner closes it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.serializeStatement.destroySync();
    this.deserializeStatement.destroySync();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.closed) throw new Error('The Lake translator is closed');
      return fn();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async translateNew(
    statement: string,
    resolve: StoreResolver,
  ): Promise<{ translation: LakeTranslation; targets: string[] }> {
    const tree = await this.parse(quoteStoreIds(statement));
    const statements = tree.statements;
    if (!Array.isArray(statements) || statements.length !== 1) {
      throw invalidQuery('Only one SELECT statement is allowed in a query.');
    }
    const root = statements[0];
    if (!isObject(root) || !isObject(root.node)) throw invalidQuery('Only SELECT statements are allowed.');
    const named = root.named_param_map;
    if (Array.isArray(named) && named.length > 0) throw invalidQuery('Query parameters are not supported.');

    const translator = new Translator(
      (text) => this.parse(text),
      (target) => this.tableParts(target),
      resolve,
    );
    const columnNames = topSelectList(root.node)?.map((item, i) =>
      isObject(item) && item.class !== 'STAR' ? lakeColumnName(item, i) : undefined,
    );
    await translator.queryNode(root.node, new Set());
    // Lake names result columns as Trino does (`_col0` for unnamed expressions, the field name for
    // `a.b`, case as written); aliasing the outer select list makes DuckDB's names the same.
    topSelectList(root.node)?.forEach((item, i) => {
      const name = columnNames?.[i];
      if (isObject(item) && name !== undefined) item.alias = name;
    });
    if (translator.storeNames.length === 0) {
      throw invalidQuery(
        'The query must read from at least one event data store (FROM <event data store ID>).',
      );
    }

    let sql: string;
    try {
      this.deserializeStatement.bindVarchar(1, stringifyAstJson(tree));
      sql = String(firstValue(await this.deserializeStatement.run()));
    } catch (error) {
      throw invalidQuery(`The query statement could not be translated: ${messageOf(error)}`);
    }
    try {
      const prepared = await this.connection.prepare(sql);
      prepared.destroySync();
    } catch (error) {
      throw invalidQuery(translator.describeEngineError(messageOf(error)));
    }
    const storeNames = translator.storeNames;
    return {
      translation: { sql, storeNames },
      targets: storeNames.map((name) => translator.targetOf(name)),
    };
  }

  /** DuckDB's syntax tree for `text`, or InvalidQueryStatementException for what it refuses. */
  private async parse(text: string): Promise<JsonObject> {
    this.serializeStatement.bindVarchar(1, text);
    const json = firstValue(await this.serializeStatement.run());
    const tree = typeof json === 'string' ? parseAstJson(json) : null;
    if (!isObject(tree)) throw invalidQuery('The query statement could not be parsed.');
    if (tree.error === true) {
      const message = typeof tree.error_message === 'string' ? tree.error_message : 'syntax error';
      if (tree.error_type === 'not implemented' || /Only SELECT statements/i.test(message)) {
        throw invalidQuery(
          'Only SELECT statements are allowed; a query cannot change data, settings or the database.',
        );
      }
      throw invalidQuery(`The query statement has a syntax error: ${message}`);
    }
    return tree;
  }

  /** Splits the resolver's table reference with DuckDB's own parser (once per reference). */
  private async tableParts(target: string): Promise<TableParts> {
    const known = this.tables.get(target);
    if (known) return known;
    const tree = await this.parse(`SELECT * FROM ${target}`);
    const statements = tree.statements;
    const node = Array.isArray(statements) && isObject(statements[0]) ? statements[0].node : undefined;
    const from = isObject(node) ? node.from_table : undefined;
    if (
      !isObject(from) ||
      from.type !== 'BASE_TABLE' ||
      (Array.isArray(statements) && statements.length !== 1)
    ) {
      throw new Error(`The store resolver returned ${target}, which is not a table reference`);
    }
    const parts = {
      catalog: str(from.catalog_name),
      schema: str(from.schema_name),
      table: str(from.table_name),
    };
    this.tables.set(target, parts);
    return parts;
  }
}

/**
 * Translates one statement on `connection` without keeping anything (tests, one-off use); a
 * server keeps one {@link LakeTranslator} per engine.
 */
export async function translateLakeQuery(
  connection: DuckDBConnection,
  statement: string,
  resolve: StoreResolver,
): Promise<LakeTranslation> {
  const translator = await LakeTranslator.open(connection, { cacheEntries: 0 });
  try {
    return await translator.translate(statement, resolve);
  } finally {
    translator.close();
  }
}

/** The first column of the first row of a materialized result (null when there is none). */
function firstValue(result: DuckDBMaterializedResult): DuckDBValue {
  if (result.chunkCount === 0) return null;
  const chunk = result.getChunk(0);
  return chunk.rowCount > 0 ? chunk.getColumnVector(0).getItem(0) : null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The select list whose items name the result's columns: the leftmost SELECT of the statement. */
function topSelectList(node: Json | undefined): Json[] | undefined {
  let current = node;
  while (isObject(current) && current.type === 'SET_OPERATION_NODE') current = current.left;
  return isObject(current) && current.type === 'SELECT_NODE' && Array.isArray(current.select_list)
    ? current.select_list
    : undefined;
}

function str(value: Json | undefined): string {
  return typeof value === 'string' ? value : '';
}

function constantString(node: Json | undefined): string | undefined {
  if (!isObject(node) || node.class !== 'CONSTANT' || !isObject(node.value)) return undefined;
  const v = node.value;
  return isObject(v.type) && v.type.id === 'VARCHAR' && typeof v.value === 'string' ? v.value : undefined;
}

function stringNode(value: string): JsonObject {
  return {
    class: 'CONSTANT',
    type: 'VALUE_CONSTANT',
    alias: '',
    query_location: 0,
    value: { type: { id: 'VARCHAR', type_info: null }, is_null: false, value },
  };
}

function functionNode(name: string, children: Json[], isOperator = false): JsonObject {
  return {
    class: 'FUNCTION',
    type: 'FUNCTION',
    alias: '',
    query_location: 0,
    function_name: name,
    schema: '',
    children,
    filter: null,
    order_bys: { type: 'ORDER_MODIFIER', orders: [] },
    distinct: false,
    is_operator: isOperator,
    export_state: false,
    catalog: '',
  };
}

function columnRef(names: string[]): JsonObject {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: names };
}

/** Parsed expression templates, shared by all translations (DuckDB's tree format is fixed per version). */
const templateCache = new Map<string, JsonObject>();

class Translator {
  readonly storeNames: string[] = [];
  private readonly targets = new Map<string, string>();

  constructor(
    private readonly parse: (text: string) => Promise<JsonObject>,
    private readonly tableParts: (target: string) => Promise<TableParts>,
    private readonly resolve: StoreResolver,
  ) {}

  /** The table a store name of `storeNames` resolved to. */
  targetOf(name: string): string {
    const target = this.targets.get(name);
    if (target === undefined) throw new Error(`${name} was not resolved`);
    return target;
  }

  /** Engine errors name our tables; say the store IDs the user wrote instead. */
  describeEngineError(message: string): string {
    let text = message;
    for (const [name, table] of this.targets) text = text.replaceAll(table, name);
    return `The query statement is invalid: ${text}`;
  }

  async queryNode(node: Json, scope: Set<string>): Promise<void> {
    if (!isObject(node) || !QUERY_NODES.has(str(node.type))) {
      throw invalidQuery(`Unsupported query construct ${isObject(node) ? str(node.type) : ''}.`);
    }
    let inner = scope;
    const cteMap = node.cte_map;
    if (isObject(cteMap) && Array.isArray(cteMap.map) && cteMap.map.length > 0) {
      inner = new Set(scope);
      for (const entry of cteMap.map) if (isObject(entry)) inner.add(str(entry.key).toLowerCase());
      for (const entry of cteMap.map) if (isObject(entry)) entry.value = await this.walk(entry.value, inner);
    }
    if (node.type === 'RECURSIVE_CTE_NODE' && typeof node.ctename === 'string') {
      inner = new Set([...inner, node.ctename.toLowerCase()]);
    }
    for (const key of Object.keys(node)) {
      if (key === 'cte_map') continue;
      if (key === 'from_table') await this.tableRef(node.from_table, inner);
      else node[key] = await this.walk(node[key], inner);
    }
  }

  private async tableRef(ref: Json | undefined, scope: Set<string>): Promise<void> {
    if (!isObject(ref)) throw invalidQuery('Unsupported FROM clause.');
    const type = str(ref.type);
    switch (type) {
      case 'EMPTY':
        return;
      case 'BASE_TABLE':
        await this.baseTable(ref, scope);
        return;
      case 'JOIN':
        await this.tableRef(ref.left, scope);
        await this.tableRef(ref.right, scope);
        ref.condition = await this.walk(ref.condition, scope);
        return;
      case 'SUBQUERY':
        ref.subquery = await this.walk(ref.subquery, scope);
        ref.sample = await this.walk(ref.sample, scope);
        return;
      case 'TABLE_FUNCTION': {
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
        fn.children = await this.walk(fn.children, scope);
        ref.sample = await this.walk(ref.sample, scope);
        return;
      }
      case 'EXPRESSION_LIST':
        ref.values = await this.walk(ref.values, scope);
        return;
      default:
        throw invalidQuery(`${type || 'This'} is not supported in FROM; a query reads event data stores.`);
    }
  }

  private async baseTable(ref: JsonObject, scope: Set<string>): Promise<void> {
    if (ref.at_clause !== null && ref.at_clause !== undefined)
      throw invalidQuery('AT (time travel) clauses are not supported.');
    ref.sample = await this.walk(ref.sample, scope);
    const catalog = str(ref.catalog_name);
    const schema = str(ref.schema_name);
    const name = str(ref.table_name);
    if (!catalog && !schema && scope.has(name.toLowerCase())) return;
    if (catalog || schema) {
      throw invalidQuery(
        `"${[catalog, schema, name].filter(Boolean).join('.')}" is not an event data store; FROM must name an event data store by its ID.`,
      );
    }
    const target = this.resolve(name);
    if (target === undefined) {
      if (looksLikeStoreName(name)) {
        throw new LakeQueryError(
          'EventDataStoreNotFoundException',
          `The event data store ${name} was not found.`,
        );
      }
      throw invalidQuery(
        `"${name}" is not an event data store; FROM must name an event data store by its ID.`,
      );
    }
    const parts = await this.tableParts(target);
    ref.catalog_name = parts.catalog;
    ref.schema_name = parts.schema;
    ref.table_name = parts.table;
    if (!str(ref.alias)) ref.alias = name;
    if (!this.storeNames.includes(name)) this.storeNames.push(name);
    this.targets.set(name, target);
  }

  /** Visits any part of the tree, returning its (possibly replaced) value. */
  private async walk(value: Json | undefined, scope: Set<string>): Promise<Json> {
    if (value === undefined) return null;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = await this.walk(value[i], scope);
      return value;
    }
    if (!isObject(value)) return value;
    if (typeof value.class === 'string') return this.expression(value, scope);
    const type = value.type;
    if (typeof type === 'string') {
      if (QUERY_NODES.has(type)) {
        await this.queryNode(value, scope);
        return value;
      }
      if (TABLE_REFS.has(type) || type.endsWith('_NODE'))
        throw invalidQuery(`Unsupported query construct ${type}.`);
    }
    await this.walkFields(value, scope);
    return value;
  }

  private async walkFields(node: JsonObject, scope: Set<string>, skip: string[] = []): Promise<void> {
    for (const key of Object.keys(node)) {
      if (key === 'class' || skip.includes(key)) continue;
      node[key] = await this.walk(node[key], scope);
    }
  }

  private async expression(node: JsonObject, scope: Set<string>): Promise<Json> {
    const cls = str(node.class);
    if (!EXPRESSION_CLASSES.has(cls)) throw invalidQuery(`${cls} expressions are not supported.`);
    switch (cls) {
      case 'COLUMN_REF':
      case 'CONSTANT':
      case 'POSITIONAL_REFERENCE':
        return node;
      case 'LAMBDA':
        node.expr = await this.walk(node.expr, scope);
        return node;
      case 'OPERATOR':
        if (!OPERATOR_TYPES.has(str(node.type)))
          throw invalidQuery(`Operator ${str(node.type)} is not supported.`);
        await this.walkFields(node, scope);
        return node;
      case 'CAST': {
        await this.walkFields(node, scope);
        const target = node.cast_type;
        // Trino's CAST(json AS varchar) unwraps a JSON string, CAST(timestamp AS varchar) keeps milliseconds.
        if (isObject(target) && target.id === 'VARCHAR' && target.type_info === null) {
          const wrapped = functionNode('lake_varchar', [node.child ?? null]);
          wrapped.alias = node.alias ?? '';
          if (node.try_cast === true)
            return {
              class: 'OPERATOR',
              type: 'OPERATOR_TRY',
              alias: wrapped.alias,
              query_location: 0,
              children: [{ ...wrapped, alias: '' }],
            };
          return wrapped;
        }
        return node;
      }
      case 'FUNCTION':
        return this.functionCall(node, scope);
      case 'WINDOW':
        return this.windowCall(node, scope);
      default:
        await this.walkFields(node, scope);
        return node;
    }
  }

  private checkQualifiedName(node: JsonObject, schemaKey: string, catalogKey: string): void {
    const schema = str(node[schemaKey]).toLowerCase();
    const catalog = str(node[catalogKey]).toLowerCase();
    if ((catalog && catalog !== 'system') || (schema && schema !== 'main')) {
      throw invalidQuery(
        `Function ${[catalog, schema, str(node.function_name)].filter(Boolean).join('.')} is not supported.`,
      );
    }
  }

  private async functionCall(node: JsonObject, scope: Set<string>): Promise<Json> {
    const name = str(node.function_name).toLowerCase();
    this.checkQualifiedName(node, 'schema', 'catalog');
    if (node.export_state === true) throw invalidQuery('EXPORT_STATE is not supported.');
    await this.walkFields(node, scope);
    if (node.is_operator === true) {
      if (!OPERATORS.has(name)) throw invalidQuery(`Operator ${name} is not supported.`);
      return node;
    }
    const rule = LAKE_FUNCTIONS[name];
    if (rule === undefined) {
      if (PARSER_FUNCTIONS.has(name)) return node;
      throw invalidQuery(`Function ${name} is not supported.`);
    }
    if ('custom' in rule) {
      const replaced = await this.custom(rule.custom, node);
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

  private async windowCall(node: JsonObject, scope: Set<string>): Promise<Json> {
    const name = str(node.function_name).toLowerCase();
    this.checkQualifiedName(node, 'schema', 'catalog');
    const rule = LAKE_FUNCTIONS[name];
    if (rule === undefined || 'custom' in rule || (rule.kind !== 'window' && rule.kind !== 'aggregate')) {
      throw invalidQuery(`Function ${name} cannot be used as a window function.`);
    }
    await this.walkFields(node, scope);
    if (rule.to) node.function_name = rule.to;
    return node;
  }

  private args(node: JsonObject): Json[] {
    return Array.isArray(node.children) ? node.children : [];
  }

  private async custom(rewrite: CustomRewrite, node: JsonObject): Promise<Json> {
    const args = this.args(node);
    const arity = (...counts: number[]): void => {
      if (!counts.includes(args.length)) {
        throw invalidQuery(
          `Function ${str(node.function_name)} takes ${counts.join(' or ')} arguments, not ${args.length}.`,
        );
      }
    };
    switch (rewrite) {
      case 'element_at':
        arity(2);
        // DuckDB's subscript has Trino's element_at semantics for both maps (value or NULL) and
        // arrays (1-based, negative from the end, NULL out of range).
        return { class: 'OPERATOR', type: 'ARRAY_EXTRACT', alias: '', query_location: 0, children: args };
      case 'concat': {
        // Trino's concat is NULL when any argument is; DuckDB's `||` behaves so (and joins arrays).
        if (args.length === 0) throw invalidQuery('Function concat needs at least one argument.');
        let result = args[0]!;
        for (const arg of args.slice(1)) result = functionNode('||', [result, arg], true);
        return result;
      }
      case 'replace':
        arity(2, 3);
        if (args.length === 2) node.children = [...args, stringNode('')];
        return node;
      case 'regexp_replace': {
        arity(2, 3);
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
        node.children = [args[0]!, args[1]!, rewritten, stringNode('g')];
        return node;
      }
      case 'date_format':
      case 'date_parse':
      case 'format_datetime':
      case 'parse_datetime': {
        arity(2);
        const format = constantString(args[1]);
        if (format === undefined) throw invalidQuery(`Function ${rewrite} needs a constant format string.`);
        const converted = rewrite.startsWith('date_')
          ? mysqlFormatToStrftime(format)
          : jodaFormatToStrftime(format);
        return functionNode(
          rewrite.endsWith('format') || rewrite === 'format_datetime' ? 'strftime' : 'strptime',
          [args[0]!, stringNode(converted)],
        );
      }
      case 'reduce': {
        arity(4);
        const out = args[3];
        return this.template(isIdentityLambda(out) ? 'reduce' : 'reduceOut', args);
      }
      case 'any_match':
      case 'none_match':
        arity(2);
        return this.template(rewrite, args);
      case 'all_match': {
        arity(2);
        const lambda = args[1];
        if (!isObject(lambda) || lambda.class !== 'LAMBDA')
          throw invalidQuery('all_match needs a lambda expression.');
        const negated = cloneJson(lambda);
        negated.expr = {
          class: 'OPERATOR',
          type: 'OPERATOR_NOT',
          alias: '',
          query_location: 0,
          children: [negated.expr ?? null],
        };
        return this.template('all_match', [args[0]!, lambda, negated]);
      }
      case 'map_filter':
      case 'transform_values':
      case 'transform_keys': {
        arity(2);
        const [k, v] = lambdaParams(args[1], 2);
        const body = substitute((args[1] as JsonObject).expr ?? null, {
          [k]: columnRef(['__lake_e', 'key']),
          [v]: columnRef(['__lake_e', 'value']),
        });
        if (rewrite === 'map_filter') {
          const lambda = { ...(args[1] as JsonObject), lhs: columnRef(['__lake_e']), expr: body };
          return this.template('map_filter', [args[0]!, lambda]);
        }
        return this.template(rewrite, [args[0]!, body]);
      }
      case 'zip_with': {
        arity(3);
        const [x, y] = lambdaParams(args[2], 2);
        const at = (list: Json): JsonObject => ({
          class: 'OPERATOR',
          type: 'ARRAY_EXTRACT',
          alias: '',
          query_location: 0,
          children: [cloneJson(list), columnRef(['__lake_i'])],
        });
        const body = substitute((args[2] as JsonObject).expr ?? null, {
          [x]: at(args[0]!),
          [y]: at(args[1]!),
        });
        return this.template('zip_with', [args[0]!, args[1]!, body]);
      }
      case 'map_agg':
        arity(2);
        return this.template('map_agg', args);
      case 'set_agg':
        arity(1);
        node.function_name = 'array_agg';
        node.distinct = true;
        return node;
    }
  }

  private async template(key: string, args: Json[]): Promise<Json> {
    const sql = TEMPLATES[key];
    if (sql === undefined) throw new Error(`No template ${key}`);
    let parsed = templateCache.get(sql);
    if (!parsed) {
      const tree = await this.parse(`SELECT ${sql}`);
      const statements = tree.statements;
      const node = Array.isArray(statements) && isObject(statements[0]) ? statements[0].node : undefined;
      const expr = isObject(node) && Array.isArray(node.select_list) ? node.select_list[0] : undefined;
      if (!isObject(expr)) throw new Error(`Template ${key} does not parse`);
      parsed = expr;
      templateCache.set(sql, parsed);
    }
    const replacements: Record<string, Json> = {};
    args.forEach((arg, i) => (replacements[`__lake_arg${i}`] = arg));
    return substitute(cloneJson(parsed), replacements, true);
  }
}

/**
 * Java's replacement syntax (`$1` groups, `\` escapes) as RE2's (`\1` groups, `\\` for a backslash).
 */
export function javaReplacementToRe2(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[++i];
      if (next === undefined) throw invalidQuery('A regexp_replace replacement ends with a lone backslash.');
      out += next === '\\' ? '\\\\' : next;
    } else if (c === '$') {
      const digit = text[i + 1];
      if (digit === undefined || !/\d/.test(digit)) {
        throw invalidQuery('regexp_replace replacements support $0-$9 group references only.');
      }
      out += `\\${digit}`;
      i++;
    } else out += c;
  }
  return out;
}

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

/** The parameter names of a lambda `(a, b) -> ...` (DuckDB parses the list as `row(a, b)`). */
function lambdaParams(node: Json | undefined, count: 2): [string, string] {
  if (!isObject(node) || node.class !== 'LAMBDA')
    throw invalidQuery('A lambda expression (x -> ...) was expected.');
  const lhs = node.lhs;
  const refs =
    isObject(lhs) && lhs.class === 'FUNCTION' && Array.isArray(lhs.children) ? lhs.children : [lhs];
  const names = refs.map((ref) => {
    const parts =
      isObject(ref) && ref.class === 'COLUMN_REF' && Array.isArray(ref.column_names) ? ref.column_names : [];
    if (parts.length !== 1) throw invalidQuery('Lambda parameters must be plain names.');
    return str(parts[0]).toLowerCase();
  });
  const [first, second] = names;
  if (names.length !== count || first === undefined || second === undefined) {
    throw invalidQuery(`The lambda expression must take ${count} parameters.`);
  }
  return [first, second];
}

/** Replaces column references whose first name part is a key of `replacements` (case-insensitively). */
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
