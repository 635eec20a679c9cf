import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * Pooled reader connections. A LookupEvents call holds one across its window queries and its page
 * read; with 3, 25 concurrent lookups spent six times as long waiting for a connection as running
 * (300 ms against 50 ms) and were served one after another behind recording (bench/mixed-load.ts).
 * Each connection's statements run on Node's libuv thread pool (4 threads unless UV_THREADPOOL_SIZE
 * says otherwise), which the writer's commits and file I/O share.
 */
export const DEFAULT_READERS = 8;

/**
 * Pooled connections read a page's positions with a plain Top-N, not DuckDB's late
 * materialization (a Top-N over row IDs, then a second scan joining them back), which it applies
 * to LIMITs up to 50 — every LookupEvents page: on 10M events the newest page took 7.2 ms that
 * way and 1.7 ms without (same statement, prepared, one reader). The pool runs only the stores'
 * own statements; Lake queries have connections of their own and keep DuckDB's default.
 */
const LATE_MATERIALIZATION_MAX_ROWS = 0;

/**
 * One embedded DuckDB database file with a small pool of connections. DuckDB runs each
 * connection's statements on its own threads, so reads on pooled connections go on while the
 * single writer commits.
 */
export class DuckDbDatabase {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private closed = false;
  private readonly prepared = new Map<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();

  private constructor(
    readonly instance: DuckDBInstance,
    private readonly all: DuckDBConnection[],
  ) {
    this.idle.push(...all);
  }

  static async open(
    path: string,
    options: { readers?: number; threads?: number } = {},
  ): Promise<DuckDbDatabase> {
    const instance = await DuckDBInstance.create(path, {
      // No network or filesystem reach beyond our own file: extensions never load on their own.
      autoload_known_extensions: 'false',
      autoinstall_known_extensions: 'false',
      // Checkpoints compress the log's JSON text; a larger threshold amortises them over more rows.
      checkpoint_threshold: '256MB',
      ...(options.threads ? { threads: String(options.threads) } : {}),
    });
    const connections: DuckDBConnection[] = [];
    for (let i = 0; i < (options.readers ?? DEFAULT_READERS); i++) {
      const c = await instance.connect();
      await c.run(`SET late_materialization_max_rows = ${LATE_MATERIALIZATION_MAX_ROWS}`);
      connections.push(c);
    }
    return new DuckDbDatabase(instance, connections);
  }

  /** A connection of its own, outside the pool (the writer, the purger). */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = this.idle.pop() ?? (await new Promise<DuckDBConnection>((r) => this.waiters.push(r)));
    try {
      return await fn(connection);
    } finally {
      const next = this.waiters.shift();
      if (next) next(connection);
      else this.idle.push(connection);
    }
  }

  /**
   * Runs one of a store's own statements on a pooled connection, prepared once per connection:
   * `runAndReadAll` with parameters parses, binds and plans the statement again on every call,
   * 0.4 ms of a lookup's 1.7 ms positions query on 10M events. Only for statements whose text
   * comes from a small fixed set (values go in as parameters), since each stays prepared.
   */
  async runPrepared(
    c: DuckDBConnection,
    sql: string,
    values: Record<string, DuckDBValue>,
  ): Promise<DuckDBResultReader> {
    let statements = this.prepared.get(c);
    if (!statements) this.prepared.set(c, (statements = new Map<string, DuckDBPreparedStatement>()));
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = await c.prepare(sql)));
    statement.bind(values);
    return statement.runAndReadAll();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const statements of this.prepared.values()) for (const s of statements.values()) s.destroySync();
    for (const c of this.all) c.closeSync();
    this.instance.closeSync();
  }
}
