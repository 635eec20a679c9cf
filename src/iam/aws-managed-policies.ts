/**
 * The AWS managed policies every account sees (arn:aws:iam::aws:policy/…), as IAM entities: the
 * documents and versions the policy module serves (policy/managed/, as AWS publishes them), and
 * the policy grammar check the IAM API applies to every document it is given.
 */
import { createHash } from 'node:crypto';
import { iamError } from './iam-errors.ts';
import type { ManagedPolicy } from './iam-entities.ts';
import type { PolicyDocumentCheck } from './iam-service.ts';
import { AWS_MANAGED_POLICIES, readPolicyDocument } from './policy/index.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A stable policy ID for an AWS managed policy (ANPA + 17 base32 characters, as AWS's): derived
 * from its ARN, since the published documents do not carry the ID.
 */
function policyIdOf(arn: string): string {
  let out = 'ANPA';
  for (const byte of createHash('sha256').update(arn).digest().subarray(0, 17)) out += BASE32[byte % 32];
  return out;
}

export const AWS_MANAGED_POLICY_ENTITIES: readonly ManagedPolicy[] = AWS_MANAGED_POLICIES.map((p) => {
  const updatedMs = Date.parse(p.UpdateDate);
  return {
    accountId: 'aws',
    policyName: p.PolicyName,
    policyId: policyIdOf(p.Arn),
    path: p.Path,
    description: p.Description,
    createdMs: updatedMs,
    updatedMs,
    defaultVersionId: p.DefaultVersionId,
    versions: [
      { versionId: p.DefaultVersionId, document: JSON.stringify(p.Document, null, 4), createdMs: updatedMs },
    ],
    nextVersion: Number(p.DefaultVersionId.slice(1)) + 1,
    tags: [],
  };
});

/** The policy grammar, with IAM's MalformedPolicyDocument messages (policy/document.ts). */
export const checkPolicyGrammar: PolicyDocumentCheck = (document, kind) => {
  const read = readPolicyDocument(document, kind);
  if (!read.ok) throw iamError('MalformedPolicyDocumentException', read.message);
};
