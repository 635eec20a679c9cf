/**
 * Authorization cost per request: AWS's policy evaluation of one call by a user with 10 attached
 * policies of 20 statements each (actions with wildcards, resource ARN patterns, a condition per
 * statement, a variable in some resources), compiled once as the server caches them. Prints
 * p50/p99 in µs. Run alone: `node --import tsx bench/authorization.ts`.
 */
import { percentile } from './shared.ts';
import {
  compilePolicy,
  evaluatePolicies,
  readPolicyDocument,
  type CompiledPolicy,
} from '../src/iam/policy/index.ts';

const ACCOUNT = '123456789012';
const SERVICES = [
  'cloudtrail',
  's3',
  'kms',
  'logs',
  'sns',
  'events',
  'iam',
  'sts',
  'cloudwatch',
  'organizations',
];

export interface AuthorizationBench {
  policies: number;
  statementsPerPolicy: number;
  requests: number;
  p50Us: number;
  p99Us: number;
}

function attachedPolicies(count: number, statements: number): CompiledPolicy[] {
  const policies: CompiledPolicy[] = [];
  for (let p = 0; p < count; p++) {
    const Statement = [];
    for (let s = 0; s < statements; s++) {
      const service = SERVICES[(p + s) % SERVICES.length]!;
      // IAM and S3 ARNs carry no Region (IAM answers MalformedPolicyDocument otherwise).
      const region = service === 'iam' || service === 's3' ? '' : '*';
      Statement.push({
        Sid: `S${p}x${s}`,
        Effect: s === statements - 1 && p === count - 1 ? 'Deny' : 'Allow',
        Action: [`${service}:Get*`, `${service}:List*`, `${service}:Describe${s}*`],
        Resource: [
          `arn:aws:${service}:${region}:${ACCOUNT}:user/thing-${s}/*`,
          `arn:aws:${service}:${region}:${ACCOUNT}:user/\${aws:username}/*`,
        ],
        Condition: {
          StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] },
          BoolIfExists: { 'aws:SecureTransport': 'true' },
        },
      });
    }
    const read = readPolicyDocument({ Version: '2012-10-17', Statement }, 'identity');
    if (!read.ok) throw new Error(read.message);
    policies.push(
      compilePolicy(read.document, { id: `policy-${p}`, arn: `arn:aws:iam::${ACCOUNT}:policy/p${p}` }),
    );
  }
  return policies;
}

export function benchAuthorization(options: { requests?: number } = {}): AuthorizationBench {
  const requests = options.requests ?? 200_000;
  const policies = attachedPolicies(10, 20);
  const principal = {
    type: 'IAMUser' as const,
    arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
    accountId: ACCOUNT,
    userName: 'alice',
    userId: 'AIDAALICE',
  };
  const calls = [
    { action: 'cloudtrail:LookupEvents', resource: '*' },
    { action: 'cloudtrail:GetTrail', resource: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:user/thing-3/t` },
    { action: 's3:GetObject', resource: `arn:aws:s3::${ACCOUNT}:user/alice/k` },
    { action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1` },
  ];
  const now = new Date();
  const context = {
    'aws:RequestedRegion': 'us-east-1',
    'aws:SecureTransport': true,
    'aws:SourceIp': '203.0.113.9',
  };
  const samples = new Float64Array(requests);
  let allowed = 0;
  for (let i = 0; i < requests + 20_000; i++) {
    const call = calls[i % calls.length]!;
    const start = process.hrtime.bigint();
    const r = evaluatePolicies({ principal, ...call, context, now, identityPolicies: policies });
    const took = Number(process.hrtime.bigint() - start) / 1000;
    if (i >= 20_000) samples[i - 20_000] = took;
    if (r.decision === 'allowed') allowed++;
  }
  if (allowed === 0) throw new Error('no request was allowed: the bench measures nothing real');
  samples.sort();
  return {
    policies: 10,
    statementsPerPolicy: 20,
    requests,
    p50Us: percentile(samples, 50),
    p99Us: percentile(samples, 99),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchAuthorization();
  console.log(
    `\n== Authorization (${r.policies} policies x ${r.statementsPerPolicy} statements, ${r.requests} requests)`,
  );
  console.log(`  p50 ${r.p50Us.toFixed(2).padStart(8)} µs   p99 ${r.p99Us.toFixed(2).padStart(8)} µs`);
}
