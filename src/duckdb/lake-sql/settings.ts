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
 */
export function queryConnectionSettings(
  options: { memoryLimit?: string; threads?: number; allowedPaths?: readonly string[] } = {},
): string[] {
  const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;
  return [
    `SET autoinstall_known_extensions = false`,
    `SET autoload_known_extensions = false`,
    `SET allow_community_extensions = false`,
    `SET allow_unsigned_extensions = false`,
    ...(options.memoryLimit ? [`SET memory_limit = ${quote(options.memoryLimit)}`] : []),
    ...(options.threads ? [`SET threads = ${Math.max(1, Math.floor(options.threads))}`] : []),
    // Files DuckDB itself writes with external access off (the query profiles).
    ...(options.allowedPaths?.length
      ? [`SET allowed_paths = [${options.allowedPaths.map(quote).join(', ')}]`]
      : []),
    `SET enable_external_access = false`,
    `SET lock_configuration = true`,
  ];
}

export const QUERY_CONNECTION_SETTINGS = queryConnectionSettings();
