/**
 * The IAM policy language and AWS's evaluation logic: pure (no I/O; the clock and the request
 * context come in as parameters), shared by enforcement and the policy simulator.
 */
export {
  readPolicyDocument,
  type Effect,
  type PolicyDocument,
  type PolicyKind,
  type PolicyReadResult,
  type PolicyStatement,
  type PrincipalElement,
} from './document.ts';
export {
  compilePolicy,
  parsePolicy,
  type CompileResult,
  type CompiledPolicy,
  type CompiledStatement,
  type PolicySource,
} from './compile.ts';
export {
  buildContext,
  evaluatePolicies,
  type ContextInput,
  type EvalDecision,
  type EvaluationRequest,
  type EvaluationResult,
  type MatchedStatement,
  type PolicyType,
} from './evaluate.ts';
export type { PrincipalType, RequestPrincipal } from './principal-match.ts';
export { accessDeniedMessage, type AccessDeniedSubject } from './access-denied.ts';
export {
  AWS_MANAGED_POLICIES,
  awsManagedPolicy,
  compiledAwsManagedPolicy,
  type ManagedPolicy,
} from './managed-policies.ts';
