/**
 * The AWS managed policies OpenTrail serves, as AWS publishes them (their default versions; see
 * managed/README.md for sources): attachable by ARN, read through GetPolicy/GetPolicyVersion, and
 * compiled once for evaluation.
 */
import administratorAccess from './managed/AdministratorAccess.json' with { type: 'json' };
import cloudTrailFullAccess from './managed/AWSCloudTrail_FullAccess.json' with { type: 'json' };
import cloudTrailReadOnlyAccess from './managed/AWSCloudTrail_ReadOnlyAccess.json' with { type: 'json' };
import readOnlyAccess from './managed/ReadOnlyAccess.json' with { type: 'json' };
import { compilePolicy, type CompiledPolicy } from './compile.ts';
import { readPolicyDocument } from './document.ts';

export interface ManagedPolicy {
  readonly PolicyName: string;
  readonly Arn: string;
  readonly Path: string;
  readonly Description: string;
  readonly DefaultVersionId: string;
  /** When the default version was made (ISO 8601). */
  readonly UpdateDate: string;
  readonly Source: string;
  /** The policy document of the default version. */
  readonly Document: unknown;
}

export const AWS_MANAGED_POLICIES: readonly ManagedPolicy[] = [
  administratorAccess,
  cloudTrailFullAccess,
  cloudTrailReadOnlyAccess,
  readOnlyAccess,
];

const byArn = new Map(AWS_MANAGED_POLICIES.map((p) => [p.Arn, p]));
const compiled = new Map<string, CompiledPolicy>();

/** The AWS managed policy with this ARN (`arn:aws:iam::aws:policy/<name>`). */
export function awsManagedPolicy(arn: string): ManagedPolicy | undefined {
  return byArn.get(arn);
}

/** The managed policy compiled for evaluation (once per process). */
export function compiledAwsManagedPolicy(arn: string): CompiledPolicy | undefined {
  const cached = compiled.get(arn);
  if (cached !== undefined) return cached;
  const policy = byArn.get(arn);
  if (policy === undefined) return undefined;
  const read = readPolicyDocument(policy.Document, 'identity');
  if (!read.ok) throw new Error(`AWS managed policy ${arn} does not validate: ${read.message}`);
  const result = compilePolicy(read.document, { id: arn, arn, sourceType: 'aws-managed' });
  compiled.set(arn, result);
  return result;
}
