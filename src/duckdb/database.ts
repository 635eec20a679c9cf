import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * Pooled reader connections. A LookupEvents call holds one across its window queries and its page
 * read; with 3, 25 concurrent lookups spent six times as long waiting for a connection as running
 * (300 ms against 50 ms) and were served one after another behind recording (bench/mixed-load.ts).
 * Each connection's statements run on Node's libuv thread pool (4 threads unless UV_THREADPOOL_SIZE
 * says otherwise), which the writer's commits and file I/O share.
 */
export const DEFAULT_READERS = 8;

/**
 * One embedded DuckDB database file with a small pool of connections. DuckDB runs each
 * connection's statements on its own threads, so reads on pooled connections go on while the
 * single writer commits.
 */
export class DuckDbDatabase {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private closed = false;

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
    for (let i = 0; i < (options.readers ?? DEFAULT_READERS); i++) connections.push(await instance.connect());
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.all) c.closeSync();
    this.instance.closeSync();
  }
}
