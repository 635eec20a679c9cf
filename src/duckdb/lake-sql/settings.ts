/**
 * Statements to run on the DuckDB instance behind Lake queries, after `installLakeFunctions` on
 * each query connection and before the first user statement. They are the safety belt behind the
 * translator's allowlist: should a file-reading function ever slip past it, the engine refuses.
 *
 * Scope (DuckDB docs, "Configuration"): `enable_external_access`, `allow_community_extensions`,
 * `autoload/autoinstall_known_extensions`, `memory_limit` and `lock_configuration` are GLOBAL — they
 * hold for every connection of the instance, including the writer. That is safe for OpenTrail
 * today: src/store and the rest of src never read or write files through SQL (no COPY, read_*,
 * ATTACH or INSTALL; the database file itself stays writable and checkpoints still run), and issue
 * no SET after start. `enable_external_access` can only be switched off at run time, never back on;
 * with `lock_configuration` no connection can change any setting any more.
 *
 * `temp_directory` and `max_temp_directory_size` are GLOBAL too, and DuckDB has no per-connection
 * or per-statement memory limit: the limit a query meets is the instance's, shared with the writer
 * and the readers of the event log.
 */
export function queryConnectionSettings(
  options: {
    memoryLimit?: string;
    threads?: number;
    allowedPaths?: readonly string[];
    /** Where operators that outgrow `memoryLimit` spill (sorts, joins, aggregates). */
    tempDirectory?: string;
    /** Most disk the spill may take; beyond it the statement fails with an Out of Memory Error. */
    maxTempDirectorySize?: string;
  } = {},
): string[] {
  const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;
  return [
    `SET autoinstall_known_extensions = false`,
    `SET autoload_known_extensions = false`,
    `SET allow_community_extensions = false`,
    `SET allow_unsigned_extensions = false`,
    ...(options.memoryLimit ? [`SET memory_limit = ${quote(options.memoryLimit)}`] : []),
    ...(options.threads ? [`SET threads = ${Math.max(1, Math.floor(options.threads))}`] : []),
    ...(options.tempDirectory ? [`SET temp_directory = ${quote(options.tempDirectory)}`] : []),
    ...(options.maxTempDirectorySize
      ? [`SET max_temp_directory_size = ${quote(options.maxTempDirectorySize)}`]
      : []),
    // Files DuckDB itself writes with external access off (the query profiles).
    ...(options.allowedPaths?.length
      ? [`SET allowed_paths = [${options.allowedPaths.map(quote).join(', ')}]`]
      : []),
    `SET enable_external_access = false`,
    `SET lock_configuration = true`,
  ];
}

export const QUERY_CONNECTION_SETTINGS = queryConnectionSettings();
