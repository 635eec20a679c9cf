import { isObject, type JsonObject } from './ast-json.ts';

/**
 * The name Lake gives a result column, from the select item as parsed: its alias as written, the
 * column's or field's name as written (`userIdentity.principalid` → `principalid`), or Trino's
 * `_col<position>` for any other expression. CloudTrail's "Example queries" show each case:
 * `{"principalid": ...}`, `{"apiCount": ...}` for `COUNT(*) AS apiCount`, and `_col0`/`_col1` for
 * two `element_at(...)` items.
 */
export function lakeColumnName(item: JsonObject, position: number): string {
  if (typeof item.alias === 'string' && item.alias !== '') return item.alias;
  if (item.class === 'COLUMN_REF' && Array.isArray(item.column_names)) {
    const last = item.column_names[item.column_names.length - 1];
    if (typeof last === 'string') return last;
  }
  if (item.class === 'OPERATOR' && item.type === 'STRUCT_EXTRACT' && Array.isArray(item.children)) {
    const field = item.children[1];
    if (isObject(field) && isObject(field.value) && typeof field.value.value === 'string')
      return field.value.value;
  }
  return `_col${position}`;
}

/**
 * Lake's names for a result's columns given DuckDB's. `translateLakeQuery` already aliases every
 * item of the outer select list with its Lake name (see {@link lakeColumnName}) and `*` expands to
 * the schema's column names, so DuckDB's names are Lake's; this is the one place to adjust them.
 */
export function lakeColumnNames(duckDbNames: readonly string[]): string[] {
  return [...duckDbNames];
}
