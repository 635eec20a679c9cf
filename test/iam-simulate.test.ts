/**
 * IAM's policy simulator through the AWS CLI v1 and v2 against the real server. Expected answers
 * are those of AWS's documentation: the CLI's simulate-custom-policy examples (the DynamoDB
 * policy with an aws:CurrentTime condition, allowed with MatchedStatements PolicyInputList.1 at
 * Line 1, Column 38 to 167, or implicitly denied with none), the EvaluationResult reference
 * ("the deny statement is the only entry included in the result"), and the simulator's promise
 * to decide as a real call is decided: the user simulated here is then denied StopLogging and
 * allowed GetTrail for real.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { awsCli, keyEnv } from './helpers/aws-cli.ts';
import { AWS_CLI_V1, AWS_CLI_V2 } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const ACCOUNT = '123456789012';
const BUCKET = 'audit-logs';
const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`;

/** The IAM CLI documentation's simulate-custom-policy policy, byte for byte. */
const DYNAMODB_AFTER_DATE =
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';

interface Statement {
  SourcePolicyId: string;
  SourcePolicyType?: string;
  StartPosition?: { Line: number; Column: number };
  EndPosition?: { Line: number; Column: number };
}
interface EvaluationResult {
  EvalActionName: string;
  EvalResourceName: string;
  EvalDecision: string;
  MatchedStatements: Statement[];
  MissingContextValues: string[];
  EvalDecisionDetails?: Record<string, string>;
  ResourceSpecificResults?: { EvalResourceName: string; EvalResourceDecision: string }[];
  PermissionsBoundaryDecisionDetail?: { AllowedByPermissionsBoundary: boolean };
}
interface SimulateAnswer {
  EvaluationResults: EvaluationResult[];
  IsTruncated?: boolean;
}
interface AccessKey {
  AccessKeyId: string;
  SecretAccessKey: string;
}

describe('SimulatePrincipalPolicy and SimulateCustomPolicy', () => {
  let server: TestServer;
  let auditorEnv: NodeJS.ProcessEnv;

  const { cli, ok } = awsCli(() => server);
  const decisions = (answer: SimulateAnswer): Record<string, string> =>
    Object.fromEntries(answer.EvaluationResults.map((r) => [r.EvalActionName, r.EvalDecision]));

  before(async () => {
    server = await startTestServer({ accountId: ACCOUNT });
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), BUCKET);
    await ok(AWS_CLI_V2, ['cloudtrail', 'create-trail', '--name', 'main', '--s3-bucket-name', BUCKET]);
    await ok(AWS_CLI_V2, ['cloudtrail', 'start-logging', '--name', 'main']);
    await ok(AWS_CLI_V1, ['iam', 'create-user', '--user-name', 'auditor']);
    await ok(AWS_CLI_V1, [
      'iam',
      'attach-user-policy',
      '--user-name',
      'auditor',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess',
    ]);
    const created = await ok<{ AccessKey: AccessKey }>(AWS_CLI_V2, [
      'iam',
      'create-access-key',
      '--user-name',
      'auditor',
    ]);
    auditorEnv = keyEnv(server.awsEnv, created.AccessKey);
  });
  after(() => server.dispose());

  it('simulate-custom-policy allows the documented DynamoDB example with its statement position', async () => {
    const answer = await ok<SimulateAnswer>(AWS_CLI_V2, [
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      DYNAMODB_AFTER_DATE,
      '--action-names',
      'dynamodb:CreateBackup',
      '--context-entries',
      "ContextKeyName='aws:CurrentTime',ContextKeyValues='2019-04-25T11:00:00Z',ContextKeyType=date",
    ]);
    assert.equal(answer.EvaluationResults.length, 1);
    const [result] = answer.EvaluationResults;
    assert.equal(result!.EvalActionName, 'dynamodb:CreateBackup');
    assert.equal(result!.EvalResourceName, '*');
    assert.equal(result!.EvalDecision, 'allowed');
    assert.deepEqual(
      result!.MatchedStatements.map(({ SourcePolicyId, StartPosition, EndPosition }) => ({
        SourcePolicyId,
        StartPosition,
        EndPosition,
      })),
      [
        {
          SourcePolicyId: 'PolicyInputList.1',
          StartPosition: { Line: 1, Column: 38 },
          EndPosition: { Line: 1, Column: 167 },
        },
      ],
    );
    assert.deepEqual(result!.MissingContextValues, []);
  });

  it('simulate-custom-policy implicitly denies the documented example before its date', async () => {
    const answer = await ok<SimulateAnswer>(AWS_CLI_V1, [
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      DYNAMODB_AFTER_DATE,
      '--action-names',
      'dynamodb:CreateBackup',
      '--context-entries',
      "ContextKeyName='aws:CurrentTime',ContextKeyValues='2014-04-25T11:00:00Z',ContextKeyType=date",
    ]);
    const [result] = answer.EvaluationResults;
    assert.equal(result!.EvalDecision, 'implicitDeny');
    assert.deepEqual(result!.MatchedStatements, []);
    assert.deepEqual(result!.MissingContextValues, []);
  });

  it('reports a condition key nobody gave in MissingContextValues', async () => {
    const answer = await ok<SimulateAnswer>(AWS_CLI_V2, [
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      DYNAMODB_AFTER_DATE,
      '--action-names',
      'dynamodb:CreateBackup',
    ]);
    const [result] = answer.EvaluationResults;
    assert.equal(result!.EvalDecision, 'implicitDeny');
    // As the policy writes the key (IAM's answers keep its case).
    assert.deepEqual(result!.MissingContextValues, ['aws:CurrentTime']);
  });

  it('lists only the denying statement of an explicit deny, per resource with ResourceSpecificResults', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'All', Effect: 'Allow', Action: 'cloudtrail:*', Resource: '*' },
        { Sid: 'KeepLogging', Effect: 'Deny', Action: 'cloudtrail:StopLogging', Resource: TRAIL_ARN },
      ],
    });
    const answer = await ok<SimulateAnswer>(AWS_CLI_V2, [
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      policy,
      '--action-names',
      'cloudtrail:StopLogging',
      'cloudtrail:GetTrail',
      '--resource-arns',
      TRAIL_ARN,
    ]);
    assert.deepEqual(decisions(answer), {
      'cloudtrail:StopLogging': 'explicitDeny',
      'cloudtrail:GetTrail': 'allowed',
    });
    const stop = answer.EvaluationResults[0]!;
    assert.equal(stop.EvalResourceName, TRAIL_ARN);
    assert.equal(stop.MatchedStatements.length, 1);
    // The second statement of the one-line document: one column past each of its braces.
    const start = policy.indexOf('{"Sid":"KeepLogging"');
    assert.deepEqual(stop.MatchedStatements[0]!.StartPosition, { Line: 1, Column: start + 2 });
    assert.deepEqual(stop.MatchedStatements[0]!.EndPosition, { Line: 1, Column: policy.length - 1 });
    assert.deepEqual(stop.EvalDecisionDetails, {});
    assert.deepEqual(
      stop.ResourceSpecificResults?.map((r) => [r.EvalResourceName, r.EvalResourceDecision]),
      [[TRAIL_ARN, 'explicitDeny']],
    );
  });

  it('answers MalformedPolicyDocument for an input policy IAM would refuse', async () => {
    const result = await cli(AWS_CLI_V2, [
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"cloudtrail:GetTrail"',
      '--action-names',
      'cloudtrail:GetTrail',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /\(MalformedPolicyDocument\).*Syntax errors in policy\./);
  });

  it('simulates a user as enforcement decides: StopLogging denied, GetTrail and LookupEvents allowed', async () => {
    const answer = await ok<SimulateAnswer>(AWS_CLI_V1, [
      'iam',
      'simulate-principal-policy',
      '--policy-source-arn',
      userArn('auditor'),
      '--action-names',
      'cloudtrail:StopLogging',
      'cloudtrail:LookupEvents',
      'cloudtrail:GetTrail',
    ]);
    assert.deepEqual(decisions(answer), {
      'cloudtrail:StopLogging': 'implicitDeny',
      'cloudtrail:LookupEvents': 'allowed',
      'cloudtrail:GetTrail': 'allowed',
    });
    const lookup = answer.EvaluationResults[1]!;
    assert.deepEqual(
      lookup.MatchedStatements.map((s) => s.SourcePolicyId),
      ['AWSCloudTrail_ReadOnlyAccess'],
    );
    assert.deepEqual(answer.EvaluationResults[0]!.MatchedStatements, []);

    const stop = await cli(AWS_CLI_V1, ['cloudtrail', 'stop-logging', '--name', 'main'], auditorEnv);
    assert.notEqual(stop.code, 0);
    assert.match(stop.stderr, /AccessDeniedException/);
    const trail = await ok<{ Trail: { TrailARN: string } }>(
      AWS_CLI_V2,
      ['cloudtrail', 'get-trail', '--name', 'main'],
      auditorEnv,
    );
    assert.equal(trail.Trail.TrailARN, TRAIL_ARN);
  });

  it("includes a user's group policies, named as IAM names inline policies, and the input list", async () => {
    await ok(AWS_CLI_V2, ['iam', 'create-group', '--group-name', 'responders']);
    await ok(AWS_CLI_V2, [
      'iam',
      'add-user-to-group',
      '--group-name',
      'responders',
      '--user-name',
      'auditor',
    ]);
    await ok(AWS_CLI_V2, [
      'iam',
      'put-group-policy',
      '--group-name',
      'responders',
      '--policy-name',
      'stop-in-emergencies',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'cloudtrail:StopLogging', Resource: '*' }],
      }),
    ]);
    const answer = await ok<SimulateAnswer>(AWS_CLI_V2, [
      'iam',
      'simulate-principal-policy',
      '--policy-source-arn',
      userArn('auditor'),
      '--action-names',
      'cloudtrail:StopLogging',
      'cloudtrail:DeleteTrail',
      '--policy-input-list',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'cloudtrail:DeleteTrail', Resource: '*' }],
      }),
    ]);
    assert.deepEqual(decisions(answer), {
      'cloudtrail:StopLogging': 'allowed',
      'cloudtrail:DeleteTrail': 'explicitDeny',
    });
    assert.deepEqual(
      answer.EvaluationResults.map((r) => r.MatchedStatements.map((s) => s.SourcePolicyId)),
      [['group_responders_stop-in-emergencies'], ['PolicyInputList.1']],
    );
    // The group policy is simulated from the group too.
    const group = await ok<SimulateAnswer>(AWS_CLI_V1, [
      'iam',
      'simulate-principal-policy',
      '--policy-source-arn',
      `arn:aws:iam::${ACCOUNT}:group/responders`,
      '--action-names',
      'cloudtrail:StopLogging',
      'cloudtrail:GetTrail',
    ]);
    assert.deepEqual(decisions(group), {
      'cloudtrail:StopLogging': 'allowed',
      'cloudtrail:GetTrail': 'implicitDeny',
    });
  });

  it('answers NoSuchEntity for a PolicySourceArn IAM does not know', async () => {
    const result = await cli(AWS_CLI_V2, [
      'iam',
      'simulate-principal-policy',
      '--policy-source-arn',
      userArn('nobody'),
      '--action-names',
      'cloudtrail:GetTrail',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /\(NoSuchEntity\)/);
  });

  it('pages EvaluationResults with MaxItems and Marker', async () => {
    const answer = await ok<SimulateAnswer>(AWS_CLI_V2, [
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      DYNAMODB_AFTER_DATE,
      '--action-names',
      'dynamodb:CreateBackup',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      '--page-size',
      '1',
    ]);
    assert.deepEqual(
      answer.EvaluationResults.map((r) => r.EvalActionName),
      ['dynamodb:CreateBackup', 'dynamodb:GetItem', 'dynamodb:PutItem'],
    );
  });
});
