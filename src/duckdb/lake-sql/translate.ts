import type { DuckDBConnection } from '@duckdb/node-api';
import type { JsonObject } from './ast-json.ts';
import type { TableParts } from './ast-nodes.ts';
import { checkLakeStatement, checkStatementText, type StoreReference } from './check-statement.ts';
import { invalidQuery } from './errors.ts';
import { TEMPLATES } from './functions.ts';
import type { LakeTranslation, StoreResolver } from './lake-translation.ts';
import { ParseSession } from './parse-session.ts';
import { rewriteLakeStatement } from './rewrite-statement.ts';
import { quoteStoreIds } from './store-ids.ts';
import { TranslationCache } from './translation-cache.ts';

/** How many translated statements a LakeTranslator keeps for repeats, unless told otherwise. */
export const DEFAULT_TRANSLATION_CACHE_ENTRIES = 256;

export interface LakeTranslatorOptions {
  /** Translated statements kept for a repeat of the same text (0 keeps none). */
  cacheEntries?: number;
  /**
   * A connection (prepared by `installLakeFunctions`) that binds translated statements in a queue
   * of its own, so that a slow bind never holds up the parsing of other statements.
   */
  binder?: DuckDBConnection;
  /**
   * Longest translate() waits for the bind; a statement still binding then is returned with
   * `bindPending` (its errors come when it runs). Without it, translate() waits for the bind.
   */
  bindBudgetMs?: number;
}

/**
 * Translates Lake (Trino) query statements into DuckDB SQL over the stores' tables, on a
 * connection of its own that `installLakeFunctions` prepared.
 *
 * Parses attacker-controlled input. DuckDB's own parser reads the statement (`json_serialize_sql`
 * accepts SELECT statements only, see {@link ParseSession}); the resulting tree is then checked
 * node by node against allowlists — one SELECT, tables that are stores or CTEs, `UNNEST` as the
 * only table function, known functions and operators (check-statement.ts) — and rewritten
 * (rewrite-statement.ts) before `json_deserialize_sql` prints it back. The translated SQL is bound
 * (prepared, not run) so that unknown columns and type errors are reported as
 * InvalidQueryStatementException, as Lake does when StartQuery validates a query.
 *
 * The fixed cost is kept to three calls into DuckDB (parse, print, bind): the parse and print
 * statements are prepared and the rewrites' templates parsed once, a resolver's table names are
 * split once, and a statement seen before is answered from a {@link TranslationCache} without
 * DuckDB when its stores still resolve to the same tables. Calls into DuckDB run one at a time on
 * the connection; cached answers do not wait.
 *
 * Binding is the one step whose cost the statement's text does not bound: DuckDB evaluates
 * constant table-function arguments (`UNNEST(<constant list>)`) while binding, and no interrupt
 * stops it. With a `binder` and a `bindBudgetMs`, a bind that takes longer goes on in the
 * background and the translation is returned unchecked, so StartQuery answers at once.
 */
export class LakeTranslator {
  private readonly cache: TranslationCache;

  private constructor(
    private readonly session: ParseSession,
    private readonly templates: Readonly<Record<string, JsonObject>>,
    cacheEntries: number,
    private readonly bindBudgetMs: number | undefined,
  ) {
    this.cache = new TranslationCache(cacheEntries);
  }

  static async open(
    connection: DuckDBConnection,
    options: LakeTranslatorOptions = {},
  ): Promise<LakeTranslator> {
    const session = await ParseSession.open(connection, options.binder);
    try {
      const templates = await session.parseTemplates(TEMPLATES);
      return new LakeTranslator(
        session,
        templates,
        options.cacheEntries ?? DEFAULT_TRANSLATION_CACHE_ENTRIES,
        options.binder ? options.bindBudgetMs : undefined,
      );
    } catch (error) {
      session.close();
      throw error;
    }
  }

  /** Statements whose translations are kept. */
  get cachedStatements(): number {
    return this.cache.size;
  }

  async translate(statement: string, resolve: StoreResolver): Promise<LakeTranslation> {
    checkStatementText(statement);
    const cached = this.cache.get(statement, resolve);
    if (cached) return cached;
    const { translation, targets } = await this.translateNew(statement, resolve);
    if (!translation.bindPending) this.cache.set(statement, translation, targets);
    return translation;
  }

  /** Releases the prepared statements; the connection stays open (its owner closes it). */
  close(): void {
    this.session.close();
  }

  private async translateNew(
    statement: string,
    resolve: StoreResolver,
  ): Promise<{ translation: LakeTranslation; targets: string[] }> {
    const tree = await this.session.parse(quoteStoreIds(statement));
    const checked = checkLakeStatement(tree, resolve);
    const tables = new Map<string, TableParts>();
    for (const { target } of checked.stores) {
      if (!tables.has(target)) tables.set(target, await this.session.tableParts(target));
    }
    rewriteLakeStatement(checked, {
      tableOf: (target) => tables.get(target)!,
      template: (key) => this.template(key),
    });
    const targets = targetsByName(checked.stores);
    let sql: string;
    try {
      sql = await this.session.print(tree);
    } catch (error) {
      throw invalidQuery(`The query statement could not be translated: ${messageOf(error)}`);
    }
    const storeNames = [...targets.keys()];
    const bound = await this.bindWithinBudget(sql, targets);
    return {
      translation: { sql, storeNames, ...(bound ? {} : { bindPending: true as const }) },
      targets: storeNames.map((name) => targets.get(name)!),
    };
  }

  /** Binds `sql`: true once bound, false when the budget ran out first; throws what the bind refused. */
  private async bindWithinBudget(sql: string, targets: ReadonlyMap<string, string>): Promise<boolean> {
    const bound = this.session.bind(sql).then(
      () => undefined,
      (error: unknown) => invalidQuery(describeEngineError(messageOf(error), targets)),
    );
    let timer: NodeJS.Timeout | undefined;
    const late =
      this.bindBudgetMs === undefined
        ? undefined
        : new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.bindBudgetMs)));
    try {
      const outcome = await (late ? Promise.race([bound, late]) : bound);
      if (outcome === 'late') return false;
      if (outcome) throw outcome;
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  private template(key: string): JsonObject {
    const template = this.templates[key];
    if (template === undefined) throw new Error(`No template ${key}`);
    return template;
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

/** The table each store name resolved to, names in order of first appearance. */
function targetsByName(stores: readonly StoreReference[]): Map<string, string> {
  return new Map(stores.map(({ name, target }) => [name, target]));
}

/** Engine errors name our tables; say the store IDs the user wrote instead. */
function describeEngineError(message: string, targets: ReadonlyMap<string, string>): string {
  let text = message;
  for (const [name, table] of targets) text = text.replaceAll(table, name);
  return `The query statement is invalid: ${text}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
