import { isObject, type Json, type JsonObject } from './ast-json.ts';

/**
 * Reading and building nodes of DuckDB's serialized syntax tree (`json_serialize_sql`), shared by
 * the checks and the rewrites.
 */

/** Node types that hold a query: the statement itself, a subquery, a CTE's body. */
export const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE', 'CTE_NODE']);

/** A table as a BASE_TABLE reference names it. */
export interface TableParts {
  catalog: string;
  schema: string;
  table: string;
}

export function str(value: Json | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** A call's arguments. */
export function argumentsOf(node: JsonObject): Json[] {
  return Array.isArray(node.children) ? node.children : [];
}

/** The text of a VARCHAR constant, or undefined for any other expression. */
export function constantString(node: Json | undefined): string | undefined {
  if (!isObject(node) || node.class !== 'CONSTANT' || !isObject(node.value)) return undefined;
  const v = node.value;
  return isObject(v.type) && v.type.id === 'VARCHAR' && typeof v.value === 'string' ? v.value : undefined;
}

/**
 * The references a lambda `(a, b) -> ...` lists as its parameters (DuckDB parses the list as
 * `row(a, b)`), or undefined when `node` is not a lambda.
 */
export function lambdaParamRefs(node: Json | undefined): Json[] | undefined {
  if (!isObject(node) || node.class !== 'LAMBDA') return undefined;
  const lhs = node.lhs;
  return isObject(lhs) && lhs.class === 'FUNCTION' && Array.isArray(lhs.children)
    ? lhs.children
    : [lhs ?? null];
}

/** The name of an unqualified column reference in lower case, or undefined for anything else. */
export function plainName(ref: Json | undefined): string | undefined {
  const parts =
    isObject(ref) && ref.class === 'COLUMN_REF' && Array.isArray(ref.column_names) ? ref.column_names : [];
  return parts.length === 1 ? str(parts[0]).toLowerCase() : undefined;
}

/** A lambda's parameter names in lower case, or undefined unless every parameter is a plain name. */
export function lambdaParamNames(node: Json | undefined): string[] | undefined {
  const names = lambdaParamRefs(node)?.map(plainName);
  return names?.every((name) => name !== undefined) ? names : undefined;
}

export function stringNode(value: string): JsonObject {
  return {
    class: 'CONSTANT',
    type: 'VALUE_CONSTANT',
    alias: '',
    query_location: 0,
    value: { type: { id: 'VARCHAR', type_info: null }, is_null: false, value },
  };
}

export function functionNode(name: string, children: Json[], isOperator = false): JsonObject {
  return {
    class: 'FUNCTION',
    type: 'FUNCTION',
    alias: '',
    query_location: 0,
    function_name: name,
    schema: '',
    children,
    filter: null,
    order_bys: { type: 'ORDER_MODIFIER', orders: [] },
    distinct: false,
    is_operator: isOperator,
    export_state: false,
    catalog: '',
  };
}

export function operatorNode(type: string, children: Json[], alias: Json = ''): JsonObject {
  return { class: 'OPERATOR', type, alias, query_location: 0, children };
}

export function columnRef(names: string[]): JsonObject {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: names };
}
