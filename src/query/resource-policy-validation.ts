/**
 * What CloudTrail accepts as the resource-based policy of a channel, an event data store or a
 * dashboard (PutResourcePolicy). Pure. The policy text is attacker-controlled: it is read with the
 * IAM policy grammar of `iam/policy/` first (its `MalformedPolicyDocument` messages, for a
 * resource policy: Principal required), then held to CloudTrail's own requirements:
 *
 * - the model's ResourcePolicy shape: 1 to 8,192 characters;
 * - "CloudTrail resource-based policy examples" (CloudTrail User Guide): for channels, at least
 *   one statement and at most 20; each statement at least one principal and at most 50, a
 *   principal being an account, user, role or federated user; the Resource must match the ARN of
 *   the channel the policy is attached to; the only action is cloudtrail-data:PutAuditEvents. For
 *   event data stores, the actions "supported in resource-based policies for event data stores"
 *   (StartQuery, CancelQuery, ListQueries, DescribeQuery, GetQueryResults, GenerateQuery,
 *   GenerateQueryResultsSummary, GetEventDataStore), for AWS principals and for CloudTrail itself
 *   (cloudtrail.amazonaws.com, which runs a dashboard's queries). For dashboards, the only
 *   principal is cloudtrail.amazonaws.com, the only action cloudtrail:StartDashboardRefresh, and
 *   the Condition names only the dashboard ARN and account (aws:SourceArn, aws:SourceAccount).
 *
 * AWS answers all of these with ResourcePolicyNotValidException ("the resource-based policy has
 * syntax errors, or contains a principal that is not valid"); the texts say which rule failed.
 * Wildcard actions, NotAction, NotPrincipal, NotResource and the everyone principal (`*`) are
 * refused: each could reach beyond what CloudTrail lets these policies grant.
 */
import { ServiceError } from '../errors.ts';
import {
  readPolicyDocument,
  type PolicyDocument,
  type PolicyStatement,
  type PrincipalElement,
} from '../iam/policy/index.ts';
import { CLOUDTRAIL_SERVICE_PRINCIPAL } from '../trails/index.ts';

/** The CloudTrail resource types that take a resource-based policy. */
export type PolicyResourceType = 'channel' | 'eventdatastore' | 'dashboard';

export const POLICY_RESOURCE_TYPES: readonly PolicyResourceType[] = [
  'channel',
  'eventdatastore',
  'dashboard',
];

/** The model's ResourcePolicy shape: 1 to 8192 characters. */
export const MAX_RESOURCE_POLICY_CHARS = 8192;
export const MAX_POLICY_STATEMENTS = 20;
export const MAX_STATEMENT_PRINCIPALS = 50;

/** The actions each resource type's policy may name (CloudTrail User Guide). */
export const RESOURCE_POLICY_ACTIONS: Readonly<Record<PolicyResourceType, readonly string[]>> = {
  channel: ['cloudtrail-data:PutAuditEvents'],
  eventdatastore: [
    'cloudtrail:StartQuery',
    'cloudtrail:CancelQuery',
    'cloudtrail:ListQueries',
    'cloudtrail:DescribeQuery',
    'cloudtrail:GetQueryResults',
    'cloudtrail:GenerateQuery',
    'cloudtrail:GenerateQueryResultsSummary',
    'cloudtrail:GetEventDataStore',
  ],
  dashboard: ['cloudtrail:StartDashboardRefresh'],
};

const NOUN: Record<PolicyResourceType, string> = {
  channel: 'a channel',
  eventdatastore: 'an event data store',
  dashboard: 'a dashboard',
};

/** The condition keys a dashboard's policy may test. */
const DASHBOARD_CONDITION_KEYS = new Set(['aws:sourcearn', 'aws:sourceaccount']);

/** An account, or an IAM user, role or root, or an STS role session or federated user. */
const AWS_PRINCIPAL =
  /^(\d{12}|arn:aws(-[a-z]+)*:iam::\d{12}:(root|user\/.+|role\/.+)|arn:aws(-[a-z]+)*:sts::\d{12}:(assumed-role|federated-user)\/.+)$/;

function invalid(message: string): ServiceError {
  return new ServiceError('ResourcePolicyNotValidException', message);
}

function label(statement: PolicyStatement, index: number): string {
  return statement.sid ? `Statement ${index + 1} (Sid ${statement.sid})` : `Statement ${index + 1}`;
}

/**
 * Reads `text` as the resource-based policy of the resource `resourceArn` of `type`; throws
 * ResourcePolicyNotValidException saying what is wrong.
 */
export function checkResourcePolicy(
  text: string,
  type: PolicyResourceType,
  resourceArn: string,
): PolicyDocument {
  if (text.length < 1 || text.length > MAX_RESOURCE_POLICY_CHARS) {
    throw invalid(
      `The resource policy has ${text.length} characters; it must have 1 to ${MAX_RESOURCE_POLICY_CHARS}.`,
    );
  }
  const read = readPolicyDocument(text, 'resource');
  if (!read.ok) throw invalid(read.message);
  const { statements } = read.document;
  if (statements.length > MAX_POLICY_STATEMENTS) {
    throw invalid(
      `The resource policy has ${statements.length} statements; a resource policy can have at most ${MAX_POLICY_STATEMENTS}.`,
    );
  }
  statements.forEach((statement, index) => {
    const where = label(statement, index);
    checkPrincipals(statement, where, type);
    checkActions(statement, where, type);
    if (statement.notResource !== undefined) {
      throw invalid(`${where} uses NotResource; name the resource in Resource instead.`);
    }
    if (type === 'channel') {
      for (const resource of statement.resource ?? []) {
        if (resource !== resourceArn) {
          throw invalid(
            `${where} names the resource ${resource}; the resource ARN in the policy must match the channel ARN ${resourceArn} the policy is attached to.`,
          );
        }
      }
    }
    if (type === 'dashboard') {
      for (const keys of Object.values(statement.condition ?? {})) {
        for (const key of Object.keys(keys)) {
          if (!DASHBOARD_CONDITION_KEYS.has(key.toLowerCase())) {
            throw invalid(
              `${where} tests ${key}; the Condition of a dashboard's policy may name only the dashboard ARN (aws:SourceArn) and the account (aws:SourceAccount).`,
            );
          }
        }
      }
    }
  });
  return read.document;
}

function checkPrincipals(statement: PolicyStatement, where: string, type: PolicyResourceType): void {
  if (statement.notPrincipal !== undefined) {
    throw invalid(`${where} uses NotPrincipal; name the principals the statement applies to in Principal.`);
  }
  const principal: PrincipalElement | undefined = statement.principal;
  if (principal === undefined) throw invalid(`${where} has no principal.`);
  if (principal === '*') throw wildcardPrincipal(where);
  let count = 0;
  for (const [kind, values] of Object.entries(principal)) {
    for (const value of values) {
      count++;
      if (kind === 'AWS') {
        if (value === '*') throw wildcardPrincipal(where);
        if (type === 'dashboard') throw onlyCloudTrail(where, value);
        if (!AWS_PRINCIPAL.test(value)) {
          throw invalid(
            `${where} contains a principal that is not valid: ${value}. A principal is an account ID, or the ARN of an account root, IAM user, IAM role, assumed-role session or federated user.`,
          );
        }
      } else if (kind === 'Service' && type !== 'channel') {
        if (value !== CLOUDTRAIL_SERVICE_PRINCIPAL) throw onlyCloudTrail(where, value);
      } else if (type === 'dashboard') {
        throw onlyCloudTrail(where, value);
      } else {
        throw invalid(
          `${where} contains a principal that is not valid: ${kind} ${value}. The principals of ${NOUN[type]}'s policy are accounts, users, roles or federated users${type === 'eventdatastore' ? `, or the service ${CLOUDTRAIL_SERVICE_PRINCIPAL}` : ''}.`,
        );
      }
    }
  }
  if (count === 0) throw invalid(`${where} has no principal; each statement needs at least one.`);
  if (count > MAX_STATEMENT_PRINCIPALS) {
    throw invalid(
      `${where} has ${count} principals; a statement can have at most ${MAX_STATEMENT_PRINCIPALS}.`,
    );
  }
}

function wildcardPrincipal(where: string): ServiceError {
  return invalid(
    `${where} contains a principal that is not valid: *. Name the accounts, users, roles or federated users the policy grants access to.`,
  );
}

function onlyCloudTrail(where: string, value: string): ServiceError {
  return invalid(
    `${where} contains a principal that is not valid: ${value}. The only principal of a dashboard's policy is ${CLOUDTRAIL_SERVICE_PRINCIPAL}.`,
  );
}

function checkActions(statement: PolicyStatement, where: string, type: PolicyResourceType): void {
  const allowed = RESOURCE_POLICY_ACTIONS[type];
  const supported = (): string =>
    allowed.length === 1
      ? `a resource policy on ${NOUN[type]} may contain only the action ${allowed[0]!}`
      : `a resource policy on ${NOUN[type]} may contain only the actions ${allowed.join(', ')}`;
  if (statement.notAction !== undefined) throw invalid(`${where} uses NotAction; ${supported()}.`);
  for (const action of statement.action ?? []) {
    if (!allowed.some((a) => a.toLowerCase() === action.toLowerCase())) {
      throw invalid(`${where} names the action ${action}; ${supported()}.`);
    }
  }
}
