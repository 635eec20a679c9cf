import type { DuckDBConnection } from '@duckdb/node-api';
import { ServiceError } from '../errors.ts';
import { QueryTimedOut, type ExecuteOptions, type LakeQueryEngine } from '../query/queries.ts';
import {
  LakeQueryError,
  LakeTranslator,
  eventsMatchedOf,
  formatLakeValue,
  installLakeFunctions,
  lakeColumnNames,
  queryConnectionSettings,
} from './lake-sql/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

import type { DuckDbDatabase } from './database.ts';

/** The engine's memory limit unless told: 2 GiB, or half the machine's memory when that is less. */
export function defaultQueryMemoryLimitMiB(): number {
  return Math.max(256, Math.min(2048, Math.floor(totalmem() / 2 / 1024 / 1024)));
}

/** How long StartQuery waits for DuckDB to bind a statement before it answers (see LakeTranslator). */
export const DEFAULT_BIND_BUDGET_MS = 1000;

export interface LakeQueryEngineOptions {
  /** Query connections: queries that run at once. */
  connections?: number;
  /** DuckDB's memory limit for the instance, in MiB; operators beyond it spill to `spillDirectory`. */
  memoryLimitMiB?: number;
  /** Where queries spill; without it DuckDB's default (`<database>.tmp`). */
  spillDirectory?: string;
  /** Most disk the spill may take, in MiB; a query that needs more fails with an out-of-memory message. */
  spillLimitMiB?: number;
  translationCacheEntries?: number;
  /** See LakeTranslatorOptions.bindBudgetMs. */
  bindBudgetMs?: number;
}

/**
 * Lake queries on the embedded database: a few connections of their own, each with the Trino
 * functions installed, and execution bounded in time (the connection is interrupted) and in result
 * size. Translation through DuckDB's own parser has two more connections to itself (one parses and
 * prints, one binds, within a time budget), so StartQuery answers while long queries hold the
 * others. A query that outgrows the memory limit and the spill space fails with a message saying
 * so; DuckDB's limit is the instance's, not the query's. The database runs with external access disabled
 * (see DuckDbDatabase), so no statement can reach a file or URL even if one slipped past the
 * translator's checks.
 */
export class DuckDbLakeQueryEngine implements LakeQueryEngine {
  private readonly idle: DuckDBConnection[];
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private closed = false;

  private constructor(
    connections: DuckDBConnection[],
    private readonly translator: LakeTranslator,
    private readonly translatorConnection: DuckDBConnection,
    /** Where DuckDB writes each query connection's profile of its last statement. */
    private readonly profiles: Map<DuckDBConnection, string>,
    private readonly profileDir: string,
    private readonly binder: DuckDBConnection,
    private readonly limits: { memoryLimitMiB: number; spillLimitMiB: number | undefined },
  ) {
    this.idle = [...connections];
  }

  /**
   * Opens the query connections and then locks the instance down: no file or URL access, no
   * extension loading, a memory limit, and no further setting changes. These settings hold for the
   * whole database instance; nothing else in OpenTrail reads files through SQL or changes settings
   * after this point, so open the engine last.
   */
  static async open(
    db: DuckDbDatabase,
    options: LakeQueryEngineOptions = {},
  ): Promise<DuckDbLakeQueryEngine> {
    const all: DuckDBConnection[] = [];
    for (let i = 0; i < (options.connections ?? 2) + 2; i++) {
      const c = await db.connect();
      await installLakeFunctions(c);
      all.push(c);
    }
    const translatorConnection = all.pop() as DuckDBConnection;
    const binder = all.pop() as DuckDBConnection;
    // Binding checks names and types; the optimizer would only fold constants, work a run does.
    await binder.run(`PRAGMA disable_optimizer`);
    // Each query connection profiles its statements (DuckDB's JSON profile, written to a file of
    // its own when a statement ends): EventsMatched is read from there.
    const profileDir = mkdtempSync(join(tmpdir(), 'opentrail-lake-profiles-'));
    const profiles = new Map<DuckDBConnection, string>();
    for (const [i, c] of all.entries()) {
      const path = join(profileDir, `connection-${i}.json`);
      await c.run(`SET enable_profiling = 'json'`);
      await c.run(`SET profiling_output = '${path.replaceAll("'", "''")}'`);
      profiles.set(c, path);
    }
    const limits = {
      memoryLimitMiB: options.memoryLimitMiB ?? defaultQueryMemoryLimitMiB(),
      spillLimitMiB: options.spillLimitMiB,
    };
    for (const setting of queryConnectionSettings({
      memoryLimit: `${limits.memoryLimitMiB}MiB`,
      allowedPaths: [...profiles.values()],
      ...(options.spillDirectory !== undefined ? { tempDirectory: options.spillDirectory } : {}),
      ...(limits.spillLimitMiB !== undefined ? { maxTempDirectorySize: `${limits.spillLimitMiB}MiB` } : {}),
    })) {
      await translatorConnection.run(setting);
    }
    const translator = await LakeTranslator.open(translatorConnection, {
      binder,
      bindBudgetMs: options.bindBudgetMs ?? DEFAULT_BIND_BUDGET_MS,
      ...(options.translationCacheEntries !== undefined
        ? { cacheEntries: options.translationCacheEntries }
        : {}),
    });
    return new DuckDbLakeQueryEngine(
      all,
      translator,
      translatorConnection,
      profiles,
      profileDir,
      binder,
      limits,
    );
  }

  private async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const c = this.idle.pop() ?? (await new Promise<DuckDBConnection>((r) => this.waiters.push(r)));
    try {
      return await fn(c);
    } finally {
      const next = this.waiters.shift();
      if (next) next(c);
      else this.idle.push(c);
    }
  }

  async prepare(
    statement: string,
    resolve: (name: string) => string | undefined,
  ): Promise<{ sql: string; storeNames: string[] }> {
    try {
      return await this.translator.translate(statement, resolve);
    } catch (error) {
      if (error instanceof LakeQueryError) throw new ServiceError(error.code, error.message);
      throw error;
    }
  }

  /** EventsMatched of the statement `c` ran last (see lake-sql/profile.ts); undefined if unknown. */
  private async eventsMatched(c: DuckDBConnection, sql: string): Promise<number | undefined> {
    const path = this.profiles.get(c);
    if (!path) return undefined;
    try {
      return eventsMatchedOf(JSON.parse(await readFile(path, 'utf8')), sql);
    } catch {
      return undefined;
    }
  }

  async execute(
    sql: string,
    options: ExecuteOptions,
  ): Promise<{ columns: string[]; rows: (string | null)[][]; eventsMatched?: number }> {
    return this.withConnection(async (c) => {
      let timedOut = false;
      let tooLarge = false;
      const timer = setTimeout(() => {
        timedOut = true;
        c.interrupt();
      }, options.timeoutMs);
      const onAbort = (): void => c.interrupt();
      options.signal.addEventListener('abort', onAbort);
      try {
        // One statement, prepared directly: a call fewer than `stream`, which splits statements first.
        const prepared = await c.prepare(sql);
        let result;
        try {
          result = await prepared.stream();
        } finally {
          prepared.destroySync();
        }
        const types = result.columnTypes();
        const columns = lakeColumnNames(result.columnNames());
        const rows: (string | null)[][] = [];
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          for (const row of chunk.getRows()) {
            rows.push(row.map((value, i) => formatLakeValue(value, types[i])));
          }
          if (rows.length > options.maxRows) {
            tooLarge = true;
            c.interrupt();
            break;
          }
        }
        if (tooLarge) {
          throw new Error(
            `The query result has more than ${options.maxRows} rows; narrow it with WHERE or LIMIT.`,
          );
        }
        // The result is read to its end, so DuckDB has ended the statement and written its profile.
        const eventsMatched = await this.eventsMatched(c, sql);
        return { columns, rows, ...(eventsMatched !== undefined ? { eventsMatched } : {}) };
      } catch (error) {
        if (timedOut)
          throw new QueryTimedOut(
            `The query ran longer than ${Math.round(options.timeoutMs / 1000)} seconds and was stopped.`,
          );
        throw this.describeFailure(error);
      } finally {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
      }
    });
  }

  /** DuckDB's out-of-memory errors, said in terms of the limits a query runs under. */
  private describeFailure(error: unknown): unknown {
    const message = error instanceof Error ? error.message : String(error);
    if (!/Out of Memory Error/i.test(message)) return error;
    const spill =
      this.limits.spillLimitMiB === undefined
        ? 'the disk it may spill to'
        : `the ${this.limits.spillLimitMiB} MiB it may spill to disk`;
    return new Error(
      `The query needed more memory than Lake queries may use (${this.limits.memoryLimitMiB} MiB, and ${spill}) and was stopped; ` +
        `narrow it with WHERE, LIMIT or fewer joins. ${message.split('\n')[0]}`,
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.translator.close();
    this.translatorConnection.closeSync();
    this.binder.closeSync();
    for (const c of this.idle) c.closeSync();
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}
