import type {
  DuckDBConnection,
  DuckDBMaterializedResult,
  DuckDBPreparedStatement,
  DuckDBValue,
} from '@duckdb/node-api';
import pLimit, { type LimitFunction } from 'p-limit';
import { isObject, parseAstJson, stringifyAstJson, type Json, type JsonObject } from './ast-json.ts';
import { str, type TableParts } from './ast-nodes.ts';
import { invalidQuery } from './errors.ts';

/** Parsed expression templates, shared by all sessions (DuckDB's tree format is fixed per version). */
const parsedTemplates = new Map<string, JsonObject>();

/**
 * DuckDB's own parser and printer on a connection of their own: `json_serialize_sql` reads a
 * statement into a syntax tree (it accepts SELECT statements only), `json_deserialize_sql` prints a
 * tree back as SQL, and preparing SQL without running it binds it (names and types). The two
 * statements are prepared once. Calls run one at a time on the connection: they share its
 * prepared statements, which hold one call's parameter at a time.
 *
 * Binding may run on a connection of its own (`binder`), in a queue of its own: DuckDB evaluates
 * some constant expressions while it binds, and a bind it cannot interrupt must not hold up the
 * parsing of other statements.
 *
 * Parses attacker-controlled input (the caller's statement); the tree is checked before use.
 */
export class ParseSession {
  private readonly limit = pLimit(1);
  private readonly bindLimit: LimitFunction;
  private readonly tables = new Map<string, TableParts>();
  private closed = false;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly serializeStatement: DuckDBPreparedStatement,
    private readonly deserializeStatement: DuckDBPreparedStatement,
    private readonly binder: DuckDBConnection,
  ) {
    this.bindLimit = binder === connection ? this.limit : pLimit(1);
  }

  static async open(connection: DuckDBConnection, binder = connection): Promise<ParseSession> {
    const serialize = await connection.prepare('SELECT json_serialize_sql(CAST($1 AS VARCHAR))');
    try {
      const deserialize = await connection.prepare('SELECT json_deserialize_sql(CAST($1 AS JSON))');
      return new ParseSession(connection, serialize, deserialize, binder);
    } catch (error) {
      serialize.destroySync();
      throw error;
    }
  }

  /** DuckDB's syntax tree for `text`, or InvalidQueryStatementException for what it refuses. */
  parse(text: string): Promise<JsonObject> {
    return this.exclusive(() => this.parseNow(text));
  }

  /** The SQL DuckDB prints for `tree`; rejects with DuckDB's error when the tree is not one. */
  print(tree: JsonObject): Promise<string> {
    return this.exclusive(async () => {
      this.deserializeStatement.bindVarchar(1, stringifyAstJson(tree));
      return String(firstValue(await this.deserializeStatement.run()));
    });
  }

  /** Binds `sql` without running it; rejects with DuckDB's error for unknown names or types. */
  bind(sql: string): Promise<void> {
    return this.bindLimit(async () => {
      if (this.closed) throw new Error('The Lake translator is closed');
      const prepared = await this.binder.prepare(sql);
      prepared.destroySync();
    });
  }

  /** Splits a table reference (`lake."eds_0a1b"`) with DuckDB's own parser, once per reference. */
  tableParts(target: string): Promise<TableParts> {
    return this.exclusive(async () => {
      const known = this.tables.get(target);
      if (known) return known;
      const tree = await this.parseNow(`SELECT * FROM ${target}`);
      const node = firstQueryNode(tree);
      const from = isObject(node) ? node.from_table : undefined;
      const statements = tree.statements;
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
    });
  }

  /**
   * The tree of each expression template (SQL text by key). The trees are shared by every
   * session: copy one before changing it.
   */
  parseTemplates<K extends string>(templates: Record<K, string>): Promise<Record<K, JsonObject>> {
    return this.exclusive(async () => {
      const trees = {} as Record<K, JsonObject>;
      for (const key of Object.keys(templates) as K[]) {
        const sql = templates[key];
        let parsed = parsedTemplates.get(sql);
        if (!parsed) {
          const node = firstQueryNode(await this.parseNow(`SELECT ${sql}`));
          const expr = isObject(node) && Array.isArray(node.select_list) ? node.select_list[0] : undefined;
          if (!isObject(expr)) throw new Error(`Template ${key} does not parse`);
          parsed = expr;
          parsedTemplates.set(sql, parsed);
        }
        trees[key] = parsed;
      }
      return trees;
    });
  }

  /** Releases the prepared statements; the connection stays open (its owner closes it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.serializeStatement.destroySync();
    this.deserializeStatement.destroySync();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.limit(() => {
      if (this.closed) throw new Error('The Lake translator is closed');
      return fn();
    });
  }

  private async parseNow(text: string): Promise<JsonObject> {
    this.serializeStatement.bindVarchar(1, text);
    const json = firstValue(await this.serializeStatement.run());
    const tree = typeof json === 'string' ? parseAstJson(json) : null;
    if (!isObject(tree)) throw invalidQuery('The query statement could not be parsed.');
    if (tree.error === true) {
      const message = typeof tree.error_message === 'string' ? tree.error_message : 'syntax error';
      // DuckDB's serializer reports statements other than SELECT with error_type 'not implemented'.
      if (tree.error_type === 'not implemented' || /Only SELECT statements/i.test(message)) {
        throw invalidQuery(
          'Only SELECT statements are allowed; a query cannot change data, settings or the database.',
        );
      }
      throw invalidQuery(`The query statement has a syntax error: ${message}`);
    }
    return tree;
  }
}

/** The query node of a parsed statement's first statement. */
function firstQueryNode(tree: JsonObject): Json | undefined {
  const statements = tree.statements;
  return Array.isArray(statements) && isObject(statements[0]) ? statements[0].node : undefined;
}

/** The first column of the first row of a materialized result (null when there is none). */
function firstValue(result: DuckDBMaterializedResult): DuckDBValue {
  if (result.chunkCount === 0) return null;
  const chunk = result.getChunk(0);
  return chunk.rowCount > 0 ? chunk.getColumnVector(0).getItem(0) : null;
}
