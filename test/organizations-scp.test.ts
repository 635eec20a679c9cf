/**
 * AWS Organizations service control policies through the AWS CLI v1 and v2 against the real
 * server, whose account is made the management account of an organization first (as `opentrail
 * orgs create` writes organizations.json): the CLI's first steps (describe-organization,
 * list-roots), FullAWSAccess attached by default, create/attach/list/detach/delete of an SCP
 * with AWS's error codes, calls recorded in us-east-1 as organizations.amazonaws.com, and the
 * policies kept across a restart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const MEMBER = '210987654321';
const ORG_ID = 'o-a1b2c3d4e5';
const DENY_STOP = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyStop',
      Effect: 'Deny',
      Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'],
      Resource: '*',
    },
  ],
};
const FULL_ACCESS_ARN = 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess';

describe('Organizations service control policies through the AWS CLI', () => {
  let server: TestServer;
  let dataDir: string;
  let files: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'opentrail-orgs-'));
    files = await mkdtemp(join(tmpdir(), 'opentrail-orgs-files-'));
    server = await startTestServer({ dataDir });
    await writeFile(
      join(dataDir, 'organizations.json'),
      JSON.stringify({
        organizations: [{ id: ORG_ID, managementAccountId: server.accountId, memberAccountIds: [MEMBER] }],
      }),
    );
    await writeFile(join(files, 'deny-stop.json'), JSON.stringify(DENY_STOP, null, 2));
    await writeFile(
      join(files, 'with-principal.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }],
      }),
    );
  });
  after(async () => {
    await server.dispose();
    await rm(dataDir, { recursive: true, force: true });
    await rm(files, { recursive: true, force: true });
  });

  // The v2 runs sign for eu-west-1: Organizations is global and records in us-east-1 all the same.
  const envFor = (bin: string): NodeJS.ProcessEnv =>
    bin === AWS_CLI_V2
      ? { ...server.awsEnv, AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'eu-west-1' }
      : server.awsEnv;
  const cli = async (bin: string, args: string[]): Promise<Record<string, unknown>> => {
    const result = await run(
      bin,
      ['organizations', ...args, '--endpoint-url', server.url, '--output', 'json'],
      {
        env: envFor(bin),
      },
    );
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
  };
  const cliError = async (bin: string, args: string[]): Promise<string> => {
    const result = await run(bin, ['organizations', ...args, '--endpoint-url', server.url], {
      env: envFor(bin),
    });
    assert.notEqual(result.code, 0, `${args.join(' ')} succeeded: ${result.stdout}`);
    return result.stderr;
  };

  for (const [label, bin] of [
    ['v1', AWS_CLI_V1],
    ['v2', AWS_CLI_V2],
  ] as const) {
    it(`AWS CLI ${label}: describe-organization, list-roots, create/attach/list/detach/delete an SCP`, async () => {
      const { Organization: org } = (await cli(bin, ['describe-organization'])) as {
        Organization: Record<string, unknown>;
      };
      assert.equal(org.Id, ORG_ID);
      assert.equal(org.MasterAccountId, server.accountId);
      assert.equal(org.Arn, `arn:aws:organizations::${server.accountId}:organization/${ORG_ID}`);
      assert.equal(org.FeatureSet, 'ALL');

      const { Roots } = (await cli(bin, ['list-roots'])) as { Roots: Record<string, unknown>[] };
      assert.equal(Roots.length, 1);
      const rootId = String(Roots[0]!.Id);
      assert.match(rootId, /^r-[0-9a-z]{4}$/);
      assert.equal(Roots[0]!.Arn, `arn:aws:organizations::${server.accountId}:root/${ORG_ID}/${rootId}`);
      assert.deepEqual(Roots[0]!.PolicyTypes, [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);

      const name = `deny-stop-${label}`;
      const { Policy } = (await cli(bin, [
        'create-policy',
        '--type',
        'SERVICE_CONTROL_POLICY',
        '--name',
        name,
        '--description',
        'Deny StopLogging and DeleteTrail',
        '--content',
        `file://${join(files, 'deny-stop.json')}`,
      ])) as { Policy: { PolicySummary: Record<string, unknown>; Content: string } };
      const policyId = String(Policy.PolicySummary.Id);
      assert.match(policyId, /^p-[0-9a-z]{8}$/);
      assert.equal(
        Policy.PolicySummary.Arn,
        `arn:aws:organizations::${server.accountId}:policy/${ORG_ID}/service_control_policy/${policyId}`,
      );
      assert.equal(Policy.PolicySummary.AwsManaged, false);
      assert.deepEqual(JSON.parse(Policy.Content), DENY_STOP);

      assert.match(
        await cliError(bin, [
          'create-policy',
          '--type',
          'SERVICE_CONTROL_POLICY',
          '--name',
          'bad',
          '--description',
          '',
          '--content',
          `file://${join(files, 'with-principal.json')}`,
        ]),
        /MalformedPolicyDocumentException.*Policy document should not specify a principal\./,
      );
      assert.match(
        await cliError(bin, [
          'create-policy',
          '--type',
          'SERVICE_CONTROL_POLICY',
          '--name',
          name,
          '--description',
          '',
          '--content',
          `file://${join(files, 'deny-stop.json')}`,
        ]),
        /DuplicatePolicyException/,
      );

      await cli(bin, ['attach-policy', '--policy-id', policyId, '--target-id', MEMBER]);
      assert.match(
        await cliError(bin, ['attach-policy', '--policy-id', policyId, '--target-id', MEMBER]),
        /DuplicatePolicyAttachmentException/,
      );
      assert.match(
        await cliError(bin, ['attach-policy', '--policy-id', policyId, '--target-id', '999999999999']),
        /TargetNotFoundException/,
      );

      const { Targets } = (await cli(bin, ['list-targets-for-policy', '--policy-id', policyId])) as {
        Targets: Record<string, unknown>[];
      };
      assert.deepEqual(Targets, [
        {
          TargetId: MEMBER,
          Arn: `arn:aws:organizations::${server.accountId}:account/${ORG_ID}/${MEMBER}`,
          Name: MEMBER,
          Type: 'ACCOUNT',
        },
      ]);
      const forTarget = (await cli(bin, [
        'list-policies-for-target',
        '--target-id',
        MEMBER,
        '--filter',
        'SERVICE_CONTROL_POLICY',
      ])) as { Policies: Record<string, unknown>[] };
      assert.deepEqual(
        forTarget.Policies.map((p) => [p.Id, p.AwsManaged]),
        [
          ['p-FullAWSAccess', true],
          [policyId, false],
        ],
      );
      const fullTargets = (await cli(bin, ['list-targets-for-policy', '--policy-id', 'p-FullAWSAccess'])) as {
        Targets: Record<string, unknown>[];
      };
      assert.deepEqual(
        fullTargets.Targets.map((t) => t.TargetId).sort(),
        [rootId, server.accountId, MEMBER].sort(),
        'FullAWSAccess is attached to the root and every account',
      );
      const { Policies } = (await cli(bin, ['list-policies', '--filter', 'SERVICE_CONTROL_POLICY'])) as {
        Policies: Record<string, unknown>[];
      };
      assert.ok(Policies.some((p) => p.Arn === FULL_ACCESS_ARN && p.Name === 'FullAWSAccess'));
      assert.ok(Policies.some((p) => p.Id === policyId && p.Name === name));

      assert.match(await cliError(bin, ['delete-policy', '--policy-id', policyId]), /PolicyInUseException/);
      await cli(bin, ['detach-policy', '--policy-id', policyId, '--target-id', MEMBER]);
      assert.match(
        await cliError(bin, ['detach-policy', '--policy-id', policyId, '--target-id', MEMBER]),
        /PolicyNotAttachedException/,
      );
      const updated = (await cli(bin, [
        'update-policy',
        '--policy-id',
        policyId,
        '--description',
        'updated',
      ])) as {
        Policy: { PolicySummary: Record<string, unknown> };
      };
      assert.equal(updated.Policy.PolicySummary.Description, 'updated');
      await cli(bin, ['delete-policy', '--policy-id', policyId]);
      assert.match(
        await cliError(bin, ['describe-policy', '--policy-id', policyId]),
        /PolicyNotFoundException/,
      );
    });
  }

  it('records the calls in us-east-1 with eventSource organizations.amazonaws.com', async () => {
    const trail = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'organizations.amazonaws.com' }],
          MaxResults: 50,
        }),
      );
      const records = (events.Events ?? []).map(
        (e) => JSON.parse(e.CloudTrailEvent ?? '{}') as Record<string, unknown>,
      );
      const names = new Set(records.map((r) => r.eventName));
      for (const name of ['CreatePolicy', 'AttachPolicy', 'DetachPolicy', 'DeletePolicy', 'ListRoots']) {
        assert.ok(names.has(name), `${name} recorded: ${[...names].join(', ')}`);
      }
      assert.ok(records.every((r) => r.awsRegion === 'us-east-1'));
      assert.ok(
        records.some(
          (r) =>
            r.eventName === 'CreatePolicy' && JSON.stringify(r.requestParameters).includes('deny-stop-v2'),
        ),
        'the call signed for eu-west-1 is recorded in us-east-1',
      );
      const inUse = records.find((r) => r.eventName === 'DeletePolicy' && r.errorCode !== undefined);
      assert.equal(inUse?.errorCode, 'PolicyInUseException');
      const listRoots = records.find((r) => r.eventName === 'ListRoots');
      assert.equal(listRoots?.readOnly, true);
    } finally {
      trail.destroy();
    }
  });

  it('keeps SCPs and their attachments across a restart', async () => {
    const { Policy } = (await cli(AWS_CLI_V1, [
      'create-policy',
      '--type',
      'SERVICE_CONTROL_POLICY',
      '--name',
      'kept',
      '--description',
      '',
      '--content',
      `file://${join(files, 'deny-stop.json')}`,
    ])) as { Policy: { PolicySummary: { Id: string } } };
    await cli(AWS_CLI_V1, ['attach-policy', '--policy-id', Policy.PolicySummary.Id, '--target-id', MEMBER]);
    await cli(AWS_CLI_V1, ['detach-policy', '--policy-id', 'p-FullAWSAccess', '--target-id', MEMBER]);
    const roots = await cli(AWS_CLI_V1, ['list-roots']);
    await server.close();
    server = await startTestServer({ dataDir });
    assert.deepEqual(await cli(AWS_CLI_V1, ['list-roots']), roots);
    const forTarget = (await cli(AWS_CLI_V1, [
      'list-policies-for-target',
      '--target-id',
      MEMBER,
      '--filter',
      'SERVICE_CONTROL_POLICY',
    ])) as { Policies: { Id: string }[] };
    assert.deepEqual(
      forTarget.Policies.map((p) => p.Id),
      [Policy.PolicySummary.Id],
    );
  });
});
