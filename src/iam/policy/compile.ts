/**
 * A validated policy compiled once for evaluation: actions lower-cased into a set plus wildcard
 * patterns, resources into ARN patterns, principals into sets, conditions into tests. Compiled
 * policies are immutable and can be cached by whoever stores the document.
 */
import { compileArnPattern, matchArnPattern, type ArnPattern } from './arn-pattern.ts';
import { compileCondition, evaluateCondition, type CompiledCondition } from './conditions.ts';
import { readPolicyDocument, type Effect, type PolicyDocument, type PolicyKind } from './document.ts';
import { compileGlob, isMatchAll, matchGlob, type Glob } from './glob.ts';
import { compilePrincipal, type PrincipalMatcher } from './principal-match.ts';
import { templateKeys, type ContextValues } from './variables.ts';

/** Action names compared case-insensitively ("IAM JSON policy elements: Action"). */
export interface ActionMatcher {
  readonly all: boolean;
  readonly exact: ReadonlySet<string>;
  readonly patterns: readonly Glob[];
}

export interface CompiledStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  /** Action or NotAction (then `notAction`); undefined never happens for validated documents. */
  readonly actions: ActionMatcher;
  readonly notAction: boolean;
  /** Resource or NotResource; undefined when the statement names none (trust policies). */
  readonly resources: readonly ArnPattern[] | undefined;
  readonly notResource: boolean;
  readonly principal: PrincipalMatcher | undefined;
  readonly notPrincipal: PrincipalMatcher | undefined;
  readonly conditions: readonly CompiledCondition[];
  /**
   * Every context key the statement reads (conditions and variables): lower-cased for the lookup,
   * and as the policy first writes it (IAM's simulator reports missing keys so, e.g.
   * `aws:MultiFactorAuthPresent`).
   */
  readonly contextKeys: readonly { readonly key: string; readonly name: string }[];
}

export interface CompiledPolicy {
  /** How results name the policy: its ARN, or the inline policy's name. */
  readonly id: string;
  readonly arn: string | undefined;
  /** A label passed through to MatchedStatements (SimulatePrincipalPolicy's SourcePolicyType). */
  readonly sourceType: string | undefined;
  readonly document: PolicyDocument;
  readonly statements: readonly CompiledStatement[];
  /**
   * The statements that can apply to an action of each service prefix (lower-cased), in
   * document order: those naming the service plus those whose Action has a wildcard service or
   * that use NotAction. A prefix that is not a key takes `anyService`.
   */
  readonly byService: ReadonlyMap<string, readonly CompiledStatement[]>;
  readonly anyService: readonly CompiledStatement[];
}

/** The statements of `policy` that can apply to `action` (lower-cased). */
export function candidateStatements(policy: CompiledPolicy, action: string): readonly CompiledStatement[] {
  const colon = action.indexOf(':');
  const service = colon < 0 ? action : action.slice(0, colon);
  return policy.byService.get(service) ?? policy.anyService;
}

/** The service prefixes a statement's Action names, or undefined when it may cover any service. */
function servicesOf(actions: readonly string[] | undefined): Set<string> | undefined {
  if (actions === undefined) return undefined;
  const services = new Set<string>();
  for (const action of actions) {
    const colon = action.indexOf(':');
    const service = (colon < 0 ? action : action.slice(0, colon)).toLowerCase();
    if (colon < 0 || service.includes('*') || service.includes('?')) return undefined;
    services.add(service);
  }
  return services;
}

export interface PolicySource {
  id: string;
  arn?: string;
  sourceType?: string;
}

export function compileActions(actions: readonly string[]): ActionMatcher {
  const exact = new Set<string>();
  const patterns: Glob[] = [];
  let all = false;
  for (const action of actions) {
    const glob = compileGlob(action, true);
    if (glob.mask === null) exact.add(glob.text);
    else if (isMatchAll(glob)) all = true;
    else patterns.push(glob);
  }
  return { all, exact, patterns };
}

/** `action` must already be lower-cased. */
export function matchAction(matcher: ActionMatcher, action: string): boolean {
  if (matcher.all || matcher.exact.has(action)) return true;
  for (const pattern of matcher.patterns) if (matchGlob(pattern, action)) return true;
  return false;
}

export function compilePolicy(document: PolicyDocument, source: PolicySource): CompiledPolicy {
  // Policy variables exist from version 2012-10-17; before it `${…}` is literal text.
  const variables = document.version === '2012-10-17';
  const statements = document.statements.map((s, index): CompiledStatement => {
    const conditions: CompiledCondition[] = [];
    for (const [operator, keys] of Object.entries(s.condition ?? {})) {
      for (const [key, values] of Object.entries(keys)) {
        conditions.push(compileCondition(operator, key, values, variables));
      }
    }
    const resourceList = s.resource ?? s.notResource;
    const resources = resourceList?.map((r) => compileArnPattern(r, variables));
    const keys = new Map<string, string>();
    const note = (name: string): void => {
      const key = name.toLowerCase();
      if (!keys.has(key)) keys.set(key, name);
    };
    for (const c of conditions) {
      note(c.keyName);
      for (const k of c.variableKeys) note(k);
    }
    for (const r of resources ?? []) for (const k of templateKeys(r.tail)) note(k);
    return {
      index,
      sid: s.sid,
      effect: s.effect,
      actions: compileActions(s.action ?? s.notAction ?? []),
      notAction: s.action === undefined,
      resources,
      notResource: s.resource === undefined && s.notResource !== undefined,
      principal: s.principal === undefined ? undefined : compilePrincipal(s.principal),
      notPrincipal: s.notPrincipal === undefined ? undefined : compilePrincipal(s.notPrincipal),
      conditions,
      contextKeys: [...keys].map(([key, name]) => ({ key, name })),
    };
  });
  const serviceSets = document.statements.map((st) => servicesOf(st.action));
  const anyService = statements.filter((_, i) => serviceSets[i] === undefined);
  const byService = new Map<string, CompiledStatement[]>();
  for (const service of new Set(serviceSets.flatMap((set) => [...(set ?? [])]))) {
    byService.set(
      service,
      statements.filter((_, i) => serviceSets[i] === undefined || serviceSets[i].has(service)),
    );
  }
  return {
    id: source.id,
    arn: source.arn,
    sourceType: source.sourceType,
    document,
    statements,
    byService,
    anyService,
  };
}

export type CompileResult =
  | { readonly ok: true; readonly policy: CompiledPolicy }
  | { readonly ok: false; readonly code: 'MalformedPolicyDocument'; readonly message: string };

/** Validates `text` (JSON text or its parsed value) as a policy of `kind` and compiles it. */
export function parsePolicy(text: unknown, kind: PolicyKind, source: PolicySource): CompileResult {
  const read = readPolicyDocument(text, kind);
  if (!read.ok) return read;
  return { ok: true, policy: compilePolicy(read.document, source) };
}

/** Whether the statement's Action/NotAction covers `action` (lower-cased). */
export function statementCoversAction(statement: CompiledStatement, action: string): boolean {
  return matchAction(statement.actions, action) !== statement.notAction;
}

/** Whether the statement's Resource/NotResource covers `resource`. */
export function statementCoversResource(
  statement: CompiledStatement,
  resource: string,
  context: ContextValues,
  resourceParts?: readonly string[],
  globCache?: Map<string, Glob | undefined>,
): boolean {
  const { resources } = statement;
  if (resources === undefined) return true;
  let matched = false;
  for (const pattern of resources) {
    if (matchArnPattern(pattern, resource, context, resourceParts, globCache)) {
      matched = true;
      break;
    }
  }
  return matched !== statement.notResource;
}

export function statementConditionsHold(statement: CompiledStatement, context: ContextValues): boolean {
  for (const condition of statement.conditions) if (!evaluateCondition(condition, context)) return false;
  return true;
}
