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
  /**
   * The statement was still binding when the translator's bind budget ran out: it is returned
   * unchecked, and unknown names or types fail it when it runs.
   */
  bindPending?: true;
}
