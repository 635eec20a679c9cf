/**
 * The tables Lake queries see: one per event data store, with the column names and types of
 * AWS's published Lake schemas (docs: "Supported SQL schemas for event data stores"), as DuckDB
 * types. Struct field names keep the spelling of the CloudTrail record's JSON keys so that a
 * record converts with one `json_transform`; DuckDB, like Trino, resolves identifiers and struct
 * fields case-insensitively, so `useridentity.sessioncontext.sessionissuer.arn` works as on AWS.
 *
 * Maps are `MAP(VARCHAR, VARCHAR)`: a string value is kept as the string, any deeper value as
 * its compact JSON text, as Lake does.
 */

/** Which Lake schema a store's table has; a store's event category decides it. */
export type LakeTableKind = 'cloudtrail' | 'activity';

const S = 'VARCHAR';
const MAP = 'MAP(VARCHAR, VARCHAR)';

/** `userIdentity` of CloudTrail records, field names as in the record JSON. */
const USER_IDENTITY: StructSpec = {
  type: S,
  principalId: S,
  arn: S,
  accountId: S,
  accessKeyId: S,
  userName: S,
  sessionContext: {
    attributes: { creationDate: 'TIMESTAMP', mfaAuthenticated: S },
    sessionIssuer: { type: S, principalId: S, arn: S, accountId: S, userName: S },
    webIdFederationData: { federatedProvider: S, attributes: MAP },
    sourceIdentity: S,
    ec2RoleDelivery: S,
    ec2IssuedInVpc: S,
  },
  onBehalfOf: { userId: S, identityStoreArn: S },
  inScopeOf: { sourceArn: S, sourceAccount: S, issuerType: S, credentialsIssuedTo: S },
  invokedBy: S,
  identityProvider: S,
};

interface StructSpec {
  [field: string]: string | StructSpec | [StructSpec];
}

/**
 * Columns of a store holding CloudTrail management, data and network activity events, in the
 * order of AWS's schema. `eventJson` keeps the record's original text, byte for byte.
 */
export const CLOUDTRAIL_COLUMNS: StructSpec = {
  eventVersion: S,
  userIdentity: USER_IDENTITY,
  eventTime: 'TIMESTAMP',
  eventSource: S,
  eventName: S,
  awsRegion: S,
  sourceIPAddress: S,
  userAgent: S,
  errorCode: S,
  errorMessage: S,
  requestParameters: MAP,
  responseElements: MAP,
  additionalEventData: MAP,
  requestID: S,
  eventID: S,
  readOnly: 'BOOLEAN',
  resources: [{ accountId: S, type: S, ARN: S, ARNPrefix: S }],
  eventType: S,
  apiVersion: S,
  managementEvent: 'BOOLEAN',
  recipientAccountId: S,
  sharedEventID: S,
  annotation: S,
  vpcEndpointId: S,
  vpcEndpointAccountId: S,
  serviceEventDetails: MAP,
  addendum: MAP,
  edgeDeviceDetails: MAP,
  insightDetails: MAP,
  eventCategory: S,
  tlsDetails: { tlsVersion: S, cipherSuite: S, clientProvidedHostHeader: S },
  sessionCredentialFromConsole: S,
  eventJson: S,
  eventJsonChecksum: S,
};

/** Columns of a store holding events from outside AWS (category ActivityAuditLog, via channels). */
export const ACTIVITY_COLUMNS: StructSpec = {
  eventVersion: S,
  eventCategory: S,
  eventType: S,
  eventID: S,
  eventTime: 'TIMESTAMP',
  awsRegion: S,
  recipientAccountId: S,
  addendum: { reason: S, updatedFields: S, originalUID: S, originalEventID: S },
  metadata: { ingestionTime: S, channelARN: S },
  eventData: {
    version: S,
    userIdentity: { type: S, principalId: S, details: MAP },
    userAgent: S,
    eventSource: S,
    eventName: S,
    eventTime: S,
    UID: S,
    requestParameters: MAP,
    responseElements: MAP,
    errorCode: S,
    errorMessage: S,
    sourceIPAddress: S,
    recipientAccountId: S,
    additionalEventData: MAP,
  },
};

export function columnsOf(kind: LakeTableKind): StructSpec {
  return kind === 'cloudtrail' ? CLOUDTRAIL_COLUMNS : ACTIVITY_COLUMNS;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The DuckDB type of one column or field. */
export function duckDbType(spec: string | StructSpec | [StructSpec]): string {
  if (typeof spec === 'string') return spec;
  if (Array.isArray(spec)) return `${duckDbType(spec[0])}[]`;
  return `STRUCT(${Object.entries(spec)
    .map(([name, t]) => `${quote(name)} ${duckDbType(t)}`)
    .join(', ')})`;
}

/** `CREATE TABLE` for a store's table. */
export function createTableSql(table: string, kind: LakeTableKind): string {
  const columns = Object.entries(columnsOf(kind)).map(([name, t]) => `  ${quote(name)} ${duckDbType(t)}`);
  return `CREATE TABLE IF NOT EXISTS ${table} (\n${columns.join(',\n')}\n)`;
}

/**
 * The same type for `json_transform`, except that maps are read as `MAP(VARCHAR, JSON)` so that
 * deeper values keep their JSON text (see `mapValuesSql`).
 */
function transformSpec(spec: string | StructSpec | [StructSpec]): unknown {
  if (typeof spec === 'string') return spec === MAP ? 'MAP(VARCHAR, JSON)' : spec;
  if (Array.isArray(spec)) return [transformSpec(spec[0])];
  return Object.fromEntries(Object.entries(spec).map(([name, t]) => [name, transformSpec(t)]));
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A `MAP(VARCHAR, JSON)` expression as Lake's `MAP(VARCHAR, VARCHAR)`: strings unquoted, JSON null as NULL. */
function mapValuesSql(expr: string): string {
  return (
    `map_from_entries([{'key': e.key, 'value': CASE json_type(e.value) WHEN 'VARCHAR' THEN e.value->>'$' ` +
    `WHEN 'NULL' THEN NULL ELSE CAST(e.value AS VARCHAR) END} FOR e IN map_entries(${expr})])`
  );
}

/**
 * Rebuilds `value` (of transform type `spec`) into the table type, converting every map on the
 * way. Structs without maps pass through untouched.
 */
function convertSql(expr: string, spec: string | StructSpec | [StructSpec]): string {
  if (typeof spec === 'string') return spec === MAP ? mapValuesSql(expr) : expr;
  if (!containsMap(spec)) return expr;
  if (Array.isArray(spec)) return `list_transform(${expr}, x -> ${convertSql('x', spec[0])})`;
  const fields = Object.entries(spec).map(
    ([name, t]) => `${quote(name)} := ${convertSql(`${expr}.${quote(name)}`, t)}`,
  );
  return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
}

function containsMap(spec: string | StructSpec | [StructSpec]): boolean {
  if (typeof spec === 'string') return spec === MAP;
  if (Array.isArray(spec)) return containsMap(spec[0]);
  return Object.values(spec).some(containsMap);
}

/**
 * A SELECT producing a store table's rows from `source`, whose column `json` holds one record's
 * JSON text per row. Columns named in `overrides` take the given SQL expression instead (they may
 * refer to `source`'s other columns and to `j`, the transformed record).
 */
export function rowsFromJsonSql(
  kind: LakeTableKind,
  source: string,
  overrides: Record<string, string> = {},
): string {
  const columns = columnsOf(kind);
  const spec = JSON.stringify(
    Object.fromEntries(
      Object.entries(columns)
        .filter(([name]) => !(name in overrides))
        .map(([name, t]) => [name, transformSpec(t)]),
    ),
  );
  const select = Object.entries(columns).map(([name, t]) =>
    name in overrides
      ? `${overrides[name]} AS ${quote(name)}`
      : `${convertSql(`j.${quote(name)}`, t)} AS ${quote(name)}`,
  );
  return `SELECT ${select.join(', ')} FROM (SELECT *, json_transform(json, ${sqlString(spec)}) AS j FROM ${source})`;
}

/** The columns of a store's table, in order, for ListQueries/DescribeQuery-free uses such as CSV headers. */
export function columnNames(kind: LakeTableKind): string[] {
  return Object.keys(columnsOf(kind));
}
