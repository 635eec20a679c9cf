/**
 * IAM's policy simulator (SimulatePrincipalPolicy, SimulateCustomPolicy), decided by the same
 * engine and the same policy gathering as enforcement (iam/policy-authorizer.ts), so a simulated
 * decision is the one a real call with the same context gets.
 *
 * As the IAM API Reference describes them: PolicySourceArn names a user (its groups' policies
 * included), group or role; PolicyInputList adds identity policies and
 * PermissionsBoundaryPolicyInputList replaces the boundary; every action is evaluated on every
 * resource (ResourceArns, `*` by default), one EvaluationResult each; the request context is
 * only what ContextEntries give plus the keys of the simulated caller (CallerArn, or the
 * PolicySourceArn user), so a key a policy reads and nobody gave is reported in
 * MissingContextValues. MatchedStatements lists the allowing statements of an allowed result and
 * only the denying ones of an explicit deny (EvaluationResult: "the deny statement is the only
 * entry included in the result"). Real answers (the IAM API's recorded responses) name a managed
 * policy by its name, an inline one as `<user|group|role>_<entity>_<policy>` and an input as
 * `PolicyInputList.N`, with SourcePolicyType "IAM Policy" (or "Resource Policy"), and positions
 * one column past each brace of the statement.
 */
import {
  evaluatePolicies,
  parsePolicy,
  type CompiledPolicy,
  type EvaluationResult,
  type MatchedStatement,
  type PolicyKind,
  type RequestPrincipal,
} from '../../iam/policy/index.ts';
import { iamError, type IamCall, type IamCallerPolicies, type IamService } from '../../iam/index.ts';
import { opt, optNumber, type IamHandler, type IamOutput } from './operation.ts';
import { statementPositions, type StatementSpan } from './statement-positions.ts';

export interface SimulatorServices {
  /** Enforcement's policy gathering. */
  callerPolicies: IamCallerPolicies;
  /** The SCP levels that apply to an account (enforcement's), undefined outside an organization. */
  serviceControlPolicies?: (accountId: string) => readonly (readonly CompiledPolicy[])[] | undefined;
}

interface ContextEntry {
  ContextKeyName?: string;
  ContextKeyValues?: string[];
  ContextKeyType?: string;
}

/** A policy in the simulation and where its text is (for statement positions). */
interface SimulatedPolicy {
  policy: CompiledPolicy;
  /** SourcePolicyId as IAM answers it. */
  id: string;
  type: 'IAM Policy' | 'Resource Policy';
  text: string | undefined;
}

const IAM_ENTITY = /^arn:([^:]+):iam::(\d{12}):(user|group|role)\/(?:[^]*\/)?([^/]+)$/;
const USER_ARN = /^arn:[^:]+:iam::(\d{12}):user\/(?:[^]*\/)?([^/]+)$/;
const ACCOUNT_OWNER = /^(?:arn:[^:]+:iam::(\d{12}):root|(\d{12}))$/;

export function simulateHandlers(services: SimulatorServices): Record<string, IamHandler> {
  return {
    SimulatePrincipalPolicy: (input, { iam, call }) => {
      const sourceArn = input.PolicySourceArn as string;
      const entity = IAM_ENTITY.exec(sourceArn);
      if (!entity || entity[2] !== call.accountId) {
        throw iamError('InvalidInputException', `Invalid ARN ${sourceArn} for PolicySourceArn.`);
      }
      const kind = entity[3] as 'user' | 'group' | 'role';
      const name = entity[4]!;
      const gathered = services.callerPolicies.policiesOfEntity(call, kind, name);
      const policies = gathered.identityPolicies.map((p) => stored(iam, call, p, kind, name));
      const boundaryInput = inputPolicies(
        input.PermissionsBoundaryPolicyInputList,
        'PermissionsBoundaryPolicyInputList',
      );
      const boundary =
        boundaryInput[0] ??
        (gathered.permissionsBoundary
          ? stored(iam, call, gathered.permissionsBoundary, kind, name)
          : undefined);
      const callerArn = opt(input, 'CallerArn') ?? (kind === 'user' ? sourceArn : undefined);
      const principal =
        callerArn !== undefined
          ? userPrincipal(iam, call, callerArn)
          : kind === 'role'
            ? rolePrincipal(sourceArn, call.accountId)
            : anonymous(call.accountId);
      return Promise.resolve(
        simulate(input, call, {
          principal,
          identity: [...policies, ...inputPolicies(input.PolicyInputList, 'PolicyInputList')],
          boundary,
          scps: services.serviceControlPolicies?.(call.accountId),
          hasCaller: callerArn !== undefined,
        }),
      );
    },
    SimulateCustomPolicy: (input, { iam, call }) => {
      const callerArn = opt(input, 'CallerArn');
      return Promise.resolve(
        simulate(input, call, {
          principal:
            callerArn !== undefined ? userPrincipal(iam, call, callerArn) : anonymous(call.accountId),
          identity: inputPolicies(input.PolicyInputList, 'PolicyInputList'),
          boundary: inputPolicies(
            input.PermissionsBoundaryPolicyInputList,
            'PermissionsBoundaryPolicyInputList',
          )[0],
          scps: undefined,
          hasCaller: callerArn !== undefined,
        }),
      );
    },
  };
}

interface Simulation {
  principal: RequestPrincipal;
  identity: SimulatedPolicy[];
  boundary: SimulatedPolicy | undefined;
  scps: readonly (readonly CompiledPolicy[])[] | undefined;
  hasCaller: boolean;
}

function simulate(input: Record<string, unknown>, call: IamCall, sim: Simulation): { output: IamOutput } {
  const actions = input.ActionNames as string[];
  const resources = (input.ResourceArns as string[] | undefined) ?? ['*'];
  const resourcePolicyText = opt(input, 'ResourcePolicy');
  const resourcePolicy =
    resourcePolicyText !== undefined
      ? readInput(resourcePolicyText, 'resource', 'ResourcePolicy', 'Resource Policy')
      : undefined;
  if (resourcePolicy && !sim.hasCaller) {
    // SimulatePrincipalPolicy: "CallerArn is required if you include a ResourcePolicy and the
    // PolicySourceArn is not the ARN for an IAM user" (the Principal element needs a caller).
    throw iamError('InvalidInputException', 'CallerArn is required when a ResourcePolicy is given.');
  }
  const context = contextOf((input.ContextEntries as ContextEntry[] | undefined) ?? []);
  const owner = ownerAccount(opt(input, 'ResourceOwner'));
  const byPolicy = new Map<CompiledPolicy, SimulatedPolicy>();
  for (const p of [
    ...sim.identity,
    ...(sim.boundary ? [sim.boundary] : []),
    ...(resourcePolicy ? [resourcePolicy] : []),
  ]) {
    byPolicy.set(p.policy, p);
  }
  const results: IamOutput[] = [];
  for (const action of actions) {
    for (const resource of resources) {
      const resourceAccount = accountOfArn(resource) ?? owner ?? sim.principal.accountId;
      const result = evaluatePolicies({
        principal: sim.principal,
        action,
        resource,
        resourceAccount,
        context,
        identityPolicies: sim.identity.map((p) => p.policy),
        ...(sim.boundary ? { permissionsBoundary: sim.boundary.policy } : {}),
        ...(sim.scps ? { serviceControlPolicies: sim.scps } : {}),
        ...(resourcePolicy ? { resourcePolicy: resourcePolicy.policy } : {}),
      });
      results.push(evaluationResult(action, resource, result, byPolicy));
    }
  }
  return { output: pageOf(results, optNumber(input, 'MaxItems'), opt(input, 'Marker')) };
}

function evaluationResult(
  action: string,
  resource: string,
  result: EvaluationResult,
  byPolicy: ReadonlyMap<CompiledPolicy, SimulatedPolicy>,
): IamOutput {
  const matched = matchedStatements(result, byPolicy);
  const missing = [...result.missingContextValues];
  const boundary =
    result.allowedByPermissionsBoundary !== undefined
      ? {
          PermissionsBoundaryDecisionDetail: {
            AllowedByPermissionsBoundary: result.allowedByPermissionsBoundary,
          },
        }
      : {};
  const specific = resource !== '*';
  // "If an Organizations SCP included in the evaluation denies access, the simulation ends … this
  // parameter is not returned"; within one account with a resource ARN it is present and empty.
  const scpDenied = result.allowedByOrganizations === false;
  return {
    EvalActionName: action,
    EvalResourceName: resource,
    EvalDecision: result.decision,
    MatchedStatements: matched,
    // With resources named, the missing keys are reported per resource.
    MissingContextValues: specific ? [] : missing,
    ...(result.allowedByOrganizations !== undefined
      ? { OrganizationsDecisionDetail: { AllowedByOrganizations: result.allowedByOrganizations } }
      : {}),
    ...boundary,
    ...(specific && !scpDenied ? { EvalDecisionDetails: {} } : {}),
    ...(specific
      ? {
          ResourceSpecificResults: [
            {
              EvalResourceName: resource,
              EvalResourceDecision: result.decision,
              MatchedStatements: matched,
              MissingContextValues: missing,
              ...boundary,
            },
          ],
        }
      : {}),
  };
}

/** Allowing statements of an allowed result, denying ones of an explicit deny, none otherwise. */
function matchedStatements(
  result: EvaluationResult,
  byPolicy: ReadonlyMap<CompiledPolicy, SimulatedPolicy>,
): IamOutput[] {
  if (result.decision === 'implicitDeny') return [];
  const effect = result.decision === 'allowed' ? 'Allow' : 'Deny';
  const out: IamOutput[] = [];
  for (const m of result.matchedStatements) {
    if (m.effect !== effect || m.sourcePolicyType === 'scp') continue;
    const simulated = findPolicy(byPolicy, m);
    if (!simulated) continue;
    const span =
      simulated.text !== undefined ? statementPositions(simulated.text)[m.statementIndex] : undefined;
    out.push({
      SourcePolicyId: simulated.id,
      SourcePolicyType: simulated.type,
      ...(span ? positionsOf(span) : {}),
    });
  }
  return out;
}

function findPolicy(
  byPolicy: ReadonlyMap<CompiledPolicy, SimulatedPolicy>,
  m: MatchedStatement,
): SimulatedPolicy | undefined {
  for (const [policy, simulated] of byPolicy) {
    if (policy.id === m.sourcePolicyId && policy.sourceType === m.sourceLabel) return simulated;
  }
  return undefined;
}

function positionsOf(span: StatementSpan): IamOutput {
  return {
    StartPosition: { Line: span.start.line, Column: span.start.column },
    EndPosition: { Line: span.end.line, Column: span.end.column },
  };
}

/** The input list's documents, validated as identity policies with IAM's messages. */
function inputPolicies(list: unknown, member: string): SimulatedPolicy[] {
  return ((list as string[] | undefined) ?? []).map((text, i) =>
    readInput(text, 'identity', `${member}.${i + 1}`, 'IAM Policy'),
  );
}

function readInput(
  text: string,
  kind: PolicyKind,
  id: string,
  type: SimulatedPolicy['type'],
): SimulatedPolicy {
  const parsed = parsePolicy(text, kind, { id, sourceType: 'none' });
  if (!parsed.ok) throw iamError('MalformedPolicyDocumentException', parsed.message);
  return { policy: parsed.policy, id, type, text };
}

/**
 * A stored policy the gatherer returned, named as IAM names it: a managed policy by its name,
 * an inline one `<kind>_<entity>_<name>` (a user's group policies under their group).
 */
function stored(
  iam: IamService,
  call: IamCall,
  policy: CompiledPolicy,
  kind: 'user' | 'group' | 'role',
  name: string,
): SimulatedPolicy {
  if (policy.arn !== undefined) {
    const policyName = policy.arn.slice(policy.arn.lastIndexOf('/') + 1);
    return { policy, id: policyName, type: 'IAM Policy', text: managedText(iam, call, policy.arn) };
  }
  const label = (policy.sourceType ?? kind) as 'user' | 'group' | 'role';
  const owners = label === kind ? [name] : label === 'group' ? iam.user(call, name).groups : [];
  for (const owner of owners) {
    const inline = iam.inlinePolicies(call, label, owner).find((p) => p.name === policy.id);
    if (inline) {
      return { policy, id: `${label}_${owner}_${inline.name}`, type: 'IAM Policy', text: inline.document };
    }
  }
  return { policy, id: policy.id, type: 'IAM Policy', text: undefined };
}

function managedText(iam: IamService, call: IamCall, arn: string): string | undefined {
  try {
    const policy = iam.policy(call, arn);
    return policy.versions.find((v) => v.versionId === policy.defaultVersionId)?.document;
  } catch {
    return undefined;
  }
}

/** The simulated caller: an IAM user ("You can specify only the ARN of an IAM user"). */
function userPrincipal(iam: IamService, call: IamCall, arn: string): RequestPrincipal {
  const parts = USER_ARN.exec(arn);
  if (!parts) throw iamError('InvalidInputException', `Invalid ARN ${arn} for CallerArn.`);
  const accountId = parts[1]!;
  const userName = parts[2]!;
  let userId: string | undefined;
  let tags: Record<string, string> | undefined;
  if (accountId === call.accountId) {
    try {
      const user = iam.user(call, userName);
      userId = user.userId;
      if (user.tags.length > 0) tags = Object.fromEntries(user.tags.map((t) => [t.Key, t.Value]));
    } catch {
      // A caller that does not exist may still be simulated, by its ARN.
    }
  }
  return {
    type: 'IAMUser',
    arn,
    accountId,
    userName,
    ...(userId !== undefined ? { userId } : {}),
    ...(tags ? { tags } : {}),
  };
}

function rolePrincipal(roleArn: string, accountId: string): RequestPrincipal {
  return { type: 'AssumedRole', arn: roleArn, roleArn, accountId };
}

/** No simulated caller: the policies alone decide, and no principal key is known. */
function anonymous(accountId: string): RequestPrincipal {
  return { type: 'Anonymous', arn: '*', accountId };
}

function accountOfArn(resource: string): string | undefined {
  const account = resource.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

function ownerAccount(owner: string | undefined): string | undefined {
  if (owner === undefined) return undefined;
  const parts = ACCOUNT_OWNER.exec(owner);
  if (!parts) throw iamError('InvalidInputException', `Invalid ResourceOwner ${owner}.`);
  return parts[1] ?? parts[2];
}

const SINGLE_TYPES = new Set(['string', 'numeric', 'boolean', 'ip', 'binary', 'date']);
const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}(\/\d{1,2})?$/;

/** ContextEntries as the engine's context, each value checked against its ContextKeyType. */
function contextOf(entries: readonly ContextEntry[]): Record<string, string[]> {
  const context: Record<string, string[]> = {};
  for (const entry of entries) {
    const name = entry.ContextKeyName;
    if (name === undefined) throw iamError('InvalidInputException', 'ContextKeyName is required.');
    const values = entry.ContextKeyValues ?? [];
    const type = entry.ContextKeyType ?? 'string';
    const base = type.endsWith('List') ? type.slice(0, -4) : type;
    if (SINGLE_TYPES.has(type) && values.length > 1) {
      throw iamError(
        'InvalidInputException',
        `Context key ${name} of type ${type} takes one value; use ${type}List for several.`,
      );
    }
    for (const value of values) {
      if (!validValue(base, value)) {
        throw iamError(
          'InvalidInputException',
          `Invalid value ${value} for context key ${name} of type ${type}.`,
        );
      }
    }
    context[name] = values;
  }
  return context;
}

function validValue(type: string, value: string): boolean {
  switch (type) {
    case 'numeric':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'boolean':
      return /^(true|false)$/i.test(value);
    case 'date':
      return /^\d+$/.test(value) || !Number.isNaN(Date.parse(value));
    case 'ip':
      return IPV4.test(value) || /^[0-9a-f:]+(\/\d{1,3})?$/i.test(value);
    default:
      return true;
  }
}

/** One page of the results: Marker is the index of the next result. */
function pageOf(results: IamOutput[], maxItems: number | undefined, marker: string | undefined): IamOutput {
  const start = marker === undefined ? 0 : Number(marker);
  if (!Number.isInteger(start) || start < 0 || start > results.length) {
    throw iamError('InvalidInputException', `Invalid Marker ${marker}.`);
  }
  const end = maxItems === undefined ? results.length : Math.min(results.length, start + maxItems);
  const page = results.slice(start, end);
  return end < results.length
    ? { EvaluationResults: page, IsTruncated: true, Marker: String(end) }
    : { EvaluationResults: page, IsTruncated: false };
}
