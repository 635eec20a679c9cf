/**
 * A Lake query's EventsMatched ("the number of events that matched a query", DescribeQuery's
 * QueryStatistics) read from DuckDB's JSON profile of the statement: the rows that come out of each
 * scan of an event data store's table once the query's filters have run, whether DuckDB pushed
 * them into the scan or kept them in FILTER operators above it. Pure: the engine reads the file.
 */

interface ProfileNode {
  query_name?: unknown;
  operator_type?: unknown;
  operator_cardinality?: unknown;
  extra_info?: unknown;
  children?: unknown;
}

/** DuckDB's name for a store's table, `<catalog>.lake.eds_<id>` (see lakeTableOf). */
const STORE_TABLE = /(^|\.)eds_[0-9a-f]+$/;

/** Operators that pass a scan's rows on, filtered or not, without combining them with others. */
const PASS_THROUGH = new Set(['FILTER', 'PROJECTION']);

function asNode(value: unknown): ProfileNode | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

function childrenOf(node: ProfileNode): ProfileNode[] {
  return Array.isArray(node.children) ? node.children.flatMap((c) => asNode(c) ?? []) : [];
}

function cardinalityOf(node: ProfileNode): number | undefined {
  const n = node.operator_cardinality;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function scannedTable(node: ProfileNode): string | undefined {
  if (node.operator_type !== 'TABLE_SCAN') return undefined;
  const table = (asNode(node.extra_info) as { Table?: unknown } | undefined)?.Table;
  return typeof table === 'string' ? table : undefined;
}

/**
 * The events the profiled statement matched, or undefined when the profile is not one of
 * `sql` (another statement's, or a format this does not know).
 */
export function eventsMatchedOf(profile: unknown, sql: string): number | undefined {
  const root = asNode(profile);
  if (!root || root.query_name !== sql) return undefined;
  let matched = 0;
  let known = true;
  const walk = (node: ProfileNode, ancestors: ProfileNode[]): void => {
    const table = scannedTable(node);
    if (table !== undefined && STORE_TABLE.test(table)) {
      // Up through the filters and projections right above the scan: their output is what matched.
      let top = node;
      for (let i = ancestors.length - 1; i >= 0; i--) {
        const up = ancestors[i] as ProfileNode;
        if (typeof up.operator_type !== 'string' || !PASS_THROUGH.has(up.operator_type)) break;
        top = up;
      }
      const rows = cardinalityOf(top);
      if (rows === undefined) known = false;
      else matched += rows;
    }
    for (const child of childrenOf(node)) walk(child, [...ancestors, node]);
  };
  walk(root, []);
  return known ? matched : undefined;
}
