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

/** Half the machine's memory, in whole megabytes: queries spill to disk beyond it. */
function defaultMemoryLimit(): string {
  return `${Math.max(256, Math.floor(totalmem() / 2 / 1024 / 1024))}MB`;
}
import type { DuckDbDatabase } from './database.ts';

/**
 * Lake queries on the embedded database: a few connections of their own, each with the Trino
 * functions installed, and execution bounded in time (the connection is interrupted) and in result
 * size. Translation through DuckDB's own parser has one more connection to itself, so StartQuery
 * answers while long queries hold the others. The database runs with external access disabled
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
    options: { connections?: number; memoryLimit?: string; translationCacheEntries?: number } = {},
  ): Promise<DuckDbLakeQueryEngine> {
    const all: DuckDBConnection[] = [];
    for (let i = 0; i < (options.connections ?? 2) + 1; i++) {
      const c = await db.connect();
      await installLakeFunctions(c);
      all.push(c);
    }
    const translatorConnection = all.pop() as DuckDBConnection;
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
    for (const setting of queryConnectionSettings({
      memoryLimit: options.memoryLimit ?? defaultMemoryLimit(),
      allowedPaths: [...profiles.values()],
    })) {
      await translatorConnection.run(setting);
    }
    const translator = await LakeTranslator.open(translatorConnection, {
      ...(options.translationCacheEntries !== undefined
        ? { cacheEntries: options.translationCacheEntries }
        : {}),
    });
    return new DuckDbLakeQueryEngine(all, translator, translatorConnection, profiles, profileDir);
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
        throw error;
      } finally {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.translator.close();
    this.translatorConnection.closeSync();
    for (const c of this.idle) c.closeSync();
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}
