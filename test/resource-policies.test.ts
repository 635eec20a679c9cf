/**
 * CloudTrail resource-based policies through real clients, against the real server with two
 * accounts: the owner attaches, reads and detaches policies with the AWS CLI v1 and v2
 * (put/get/delete-resource-policy, the policy from a file:// path) and the AWS SDK for
 * JavaScript v3, and the policies take part in authorization as AWS documents them ("CloudTrail
 * resource-based policy examples", "Cross-account policy evaluation logic"): an integration
 * partner's account that a channel's policy names may send events with cloudtrail-data
 * PutAuditEvents (boto3 and AWS CLI v1), with the external ID the policy demands, and is denied
 * without it; another account queries an event data store its policy shares (StartQuery,
 * DescribeQuery, GetQueryResults with EventDataStoreOwnerAccountId, SDK v3) and nothing more; a
 * same-account IAM user without any identity policy reads a store whose policy names it; and the
 * owner's Event history holds the other account's calls on its store, as AWS delivers a call to
 * the caller's and the resource owner's accounts (sharedEventID).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateChannelCommand,
  CreateEventDataStoreCommand,
  DeleteChannelCommand,
  DeleteEventDataStoreCommand,
  DeleteResourcePolicyCommand,
  GetEventDataStoreCommand,
  GetResourcePolicyCommand,
  ListEventDataStoresCommand,
  LookupEventsCommand,
  PutResourcePolicyCommand,
  StartQueryCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import type { AccessKeyRecord } from '../src/iam/index.ts';
import { addAccountKey, bootstrappedDataDir } from './helpers/accounts.ts';
import { keyEnv } from './helpers/aws-cli.ts';
import { putAuditEventsWithCli, queryRows } from './helpers/lake.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run, type RunResult } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf } from './helpers/trails.ts';

const OWNER = '777788889999';
const PARTNER = '111122223333';
const REGION = 'us-east-1';
const PARTNER_ADMIN = `arn:aws:iam::${PARTNER}:user/admin`;

/** AWS's cross-account implicit-deny text ("Troubleshooting access denied error messages"). */
const noResourcePolicy = (caller: string, action: string, resource: string): string =>
  `User: ${caller} is not authorized to perform: ${action} on resource: ${resource} ` +
  `because no resource-based policy allows the ${action} action`;

interface AuditRecord {
  eventID: string;
  eventName: string;
  recipientAccountId: string;
  sharedEventID?: string;
  userIdentity: { type: string; arn?: string; accountId: string; principalId?: string };
}

let dataDir = '';
let server: TestServer;
let owner: CloudTrailClient;
let partnerKey: AccessKeyRecord;
let partner: CloudTrailClient;
let storeArn = '';
let channelArn = '';
/** AWS_DATA_PATH for the AWS CLI v2: Debian's 2.9 predates the resource-policy operations. */
let cliModels = '';

function eventData(name: string): string {
  return JSON.stringify({
    version: '1.0',
    userIdentity: { type: 'Partner', principalId: 'integration' },
    eventSource: 'partner.example.com',
    eventName: name,
    eventTime: '2024-05-01T12:30:45Z',
    UID: `uid-${name}`,
    recipientAccountId: OWNER,
  });
}

/** The channel's policy: the partner's account may send events to it, on `condition` when given. */
function channelPolicy(condition?: Record<string, unknown>) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ChannelPolicy',
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:iam::${PARTNER}:root`] },
        Action: 'cloudtrail-data:PutAuditEvents',
        Resource: channelArn,
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}

/** boto3's cloudtrail-data client: PutAuditEvents as `env`'s caller; the answer or the error's code and message. */
async function putAuditEvents(
  env: NodeJS.ProcessEnv,
  channel: string,
  id: string,
  externalId?: string,
): Promise<{ successful?: { id: string }[]; failed?: unknown[]; code?: string; message?: string }> {
  const script = `
import boto3, json, sys
c = boto3.client('cloudtrail-data', endpoint_url=sys.argv[1], region_name='${REGION}')
extra = {'externalId': sys.argv[5]} if len(sys.argv) > 5 else {}
try:
    r = c.put_audit_events(channelArn=sys.argv[2], auditEvents=[{'id': sys.argv[3], 'eventData': sys.argv[4]}], **extra)
    print(json.dumps({'successful': r['successful'], 'failed': r['failed']}))
except c.exceptions.ClientError as e:
    print(json.dumps({'code': e.response['Error']['Code'], 'message': e.response['Error']['Message']}))
`;
  const args = ['-c', script, server.url, channel, id, eventData(id), ...(externalId ? [externalId] : [])];
  const result = await run('python3', args, { env });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { successful?: { id: string }[]; code?: string; message?: string };
}

before(async () => {
  // The partner account needs a key of its own: made while the server is stopped.
  dataDir = await bootstrappedDataDir({ accountId: OWNER });
  partnerKey = await addAccountKey(dataDir, PARTNER);
  server = await startTestServer({ dataDir, accountId: OWNER });
  owner = cloudTrailClient(server);
  partner = cloudTrailClient({ url: server.url, ...partnerKey });
  const store = await owner.send(
    new CreateEventDataStoreCommand({
      Name: 'partner-events',
      TerminationProtectionEnabled: false,
      RetentionPeriod: 3653,
      MultiRegionEnabled: false,
      AdvancedEventSelectors: [
        { FieldSelectors: [{ Field: 'eventCategory', Equals: ['ActivityAuditLog'] }] },
      ],
    }),
  );
  storeArn = store.EventDataStoreArn ?? '';
  const channel = await owner.send(
    new CreateChannelCommand({
      Name: 'partner',
      Source: 'Custom',
      Destinations: [{ Type: 'EVENT_DATA_STORE', Location: storeArn }],
    }),
  );
  channelArn = channel.ChannelArn ?? '';
  // The AWS CLI v2 reads a newer service model from AWS_DATA_PATH (as `aws configure add-model`
  // installs one): the CloudTrail model of the botocore beside AWS CLI v1.
  cliModels = join(dataDir, 'cli-models');
  await mkdir(join(cliModels, 'cloudtrail', '2013-11-01'), { recursive: true });
  const model = await run('python3', [
    '-c',
    'import botocore, gzip, os, sys; sys.stdout.write(gzip.open(os.path.join(os.path.dirname(botocore.__file__), "data/cloudtrail/2013-11-01/service-2.json.gz"), "rt").read())',
  ]);
  assert.equal(model.code, 0, model.stderr);
  await writeFile(join(cliModels, 'cloudtrail', '2013-11-01', 'service-2.json'), model.stdout);
});

after(async () => {
  owner?.destroy();
  partner?.destroy();
  await server?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

describe('PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy', () => {
  for (const [label, aws] of [
    ['AWS CLI v1', AWS_CLI_V1],
    ['AWS CLI v2', AWS_CLI_V2],
  ] as const) {
    it(`${label} attaches a channel policy from a file, reads it back, detaches it, with the model's errors`, async () => {
      const env = aws === AWS_CLI_V2 ? { ...server.awsEnv, AWS_DATA_PATH: cliModels } : server.awsEnv;
      const cli = (args: string[]): Promise<RunResult> =>
        run(aws, ['cloudtrail', ...args, '--endpoint-url', server.url, '--output', 'json'], { env });
      const policy = channelPolicy();
      const file = join(dataDir, `policy-${randomUUID()}.json`);
      const text = JSON.stringify(policy, null, 2);
      await writeFile(file, text);

      const put = await cli([
        'put-resource-policy',
        '--resource-arn',
        channelArn,
        '--resource-policy',
        `file://${file}`,
      ]);
      assert.equal(put.code, 0, put.stderr);
      assert.deepEqual(JSON.parse(put.stdout), { ResourceArn: channelArn, ResourcePolicy: text });
      const got = await cli(['get-resource-policy', '--resource-arn', channelArn]);
      assert.equal(got.code, 0, got.stderr);
      assert.deepEqual(JSON.parse(got.stdout), { ResourceArn: channelArn, ResourcePolicy: text });

      const deleted = await cli(['delete-resource-policy', '--resource-arn', channelArn]);
      assert.equal(deleted.code, 0, deleted.stderr);
      const gone = await cli(['get-resource-policy', '--resource-arn', channelArn]);
      assert.match(gone.stderr, /\(ResourcePolicyNotFoundException\)/);
      const again = await cli(['delete-resource-policy', '--resource-arn', channelArn]);
      assert.match(again.stderr, /\(ResourcePolicyNotFoundException\)/);

      // A policy CloudTrail does not take on a channel: another action, another resource.
      const bad = join(dataDir, `bad-${randomUUID()}.json`);
      await writeFile(
        bad,
        JSON.stringify({
          ...policy,
          Statement: [{ ...policy.Statement[0], Action: 'cloudtrail:StopLogging' }],
        }),
      );
      const refused = await cli([
        'put-resource-policy',
        '--resource-arn',
        channelArn,
        '--resource-policy',
        `file://${bad}`,
      ]);
      assert.match(refused.stderr, /\(ResourcePolicyNotValidException\)/);
      assert.match(refused.stderr, /may contain only the action cloudtrail-data:PutAuditEvents/);
      const grammar = await cli([
        'put-resource-policy',
        '--resource-arn',
        channelArn,
        '--resource-policy',
        '{"Statement": []',
      ]);
      assert.match(grammar.stderr, /\(ResourcePolicyNotValidException\).*Syntax errors in policy\./);

      const trail = `arn:aws:cloudtrail:${REGION}:${OWNER}:trail/main`;
      const unsupported = await cli(['get-resource-policy', '--resource-arn', trail]);
      assert.match(unsupported.stderr, /\(ResourceTypeNotSupportedException\)/);
      const dashboard = `arn:aws:cloudtrail:${REGION}:${OWNER}:dashboard/exampleDash`;
      const missing = await cli(['get-resource-policy', '--resource-arn', dashboard]);
      assert.match(missing.stderr, /\(ResourceNotFoundException\)/);
      const invalid = await cli(['get-resource-policy', '--resource-arn', 'arn:aws:s3:::bucket']);
      assert.match(invalid.stderr, /\(ResourceARNNotValidException\)/);
    });
  }
});

describe("a channel's policy lets an integration partner's account send events", () => {
  it('denies the partner without a policy, and lets it in with the external ID its policy demands (boto3, AWS CLI v1)', async () => {
    const asPartner = keyEnv(server.awsEnv, partnerKey);
    const before = await putAuditEvents(asPartner, channelArn, 'before-policy');
    assert.equal(before.code, 'AccessDeniedException');
    assert.equal(
      before.message,
      noResourcePolicy(PARTNER_ADMIN, 'cloudtrail-data:PutAuditEvents', channelArn),
    );

    await owner.send(
      new PutResourcePolicyCommand({
        ResourceArn: channelArn,
        ResourcePolicy: JSON.stringify(
          channelPolicy({ StringEquals: { 'cloudtrail:ExternalId': 'partner-external-id' } }),
        ),
      }),
    );
    const noExternalId = await putAuditEvents(asPartner, channelArn, 'no-external-id');
    assert.equal(noExternalId.code, 'AccessDeniedException');
    const wrong = await putAuditEvents(asPartner, channelArn, 'wrong-external-id', 'someone-else');
    assert.equal(wrong.code, 'AccessDeniedException');
    const sent = await putAuditEvents(asPartner, channelArn, 'partner-1', 'partner-external-id');
    assert.deepEqual(sent.failed, []);
    assert.deepEqual(
      sent.successful?.map((s) => s.id),
      ['partner-1'],
    );

    // The AWS CLI v1's cloudtrail-data command, as the partner.
    const cli = await putAuditEventsWithCli(
      server,
      channelArn,
      [{ id: 'partner-cli', eventData: eventData('partner-cli') }],
      { env: asPartner, externalId: 'partner-external-id' },
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(
      (JSON.parse(cli.stdout) as { successful: { id: string }[] }).successful.map((s) => s.id),
      ['partner-cli'],
    );

    // The events are the owner's: in its store.
    await server.flush();
    const rows = await queryRows(
      owner,
      `SELECT eventData.eventName FROM ${storeArn.slice(-36)} ORDER BY eventData.eventName`,
    );
    assert.deepEqual(rows, [['partner-1'], ['partner-cli']]);
  });
});

describe("an event data store's policy shares it with another account", () => {
  it('lets the partner query the store and read its results (SDK v3), and nothing the policy leaves out', async () => {
    const statement = `SELECT eventData.eventName FROM ${storeArn} ORDER BY eventData.eventName`;
    const denied = await errorOf(partner.send(new StartQueryCommand({ QueryStatement: statement })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.message, noResourcePolicy(PARTNER_ADMIN, 'cloudtrail:StartQuery', storeArn));

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PartnerQueries',
          Effect: 'Allow',
          Principal: { AWS: [`arn:aws:iam::${PARTNER}:root`] },
          Action: [
            'cloudtrail:StartQuery',
            'cloudtrail:DescribeQuery',
            'cloudtrail:GetQueryResults',
            'cloudtrail:GetEventDataStore',
          ],
          Resource: storeArn,
        },
      ],
    });
    const put = await owner.send(
      new PutResourcePolicyCommand({ ResourceArn: storeArn, ResourcePolicy: policy }),
    );
    assert.equal(put.ResourceArn, storeArn);
    assert.equal(put.ResourcePolicy, policy);
    assert.equal(
      (await owner.send(new GetResourcePolicyCommand({ ResourceArn: storeArn }))).ResourcePolicy,
      policy,
    );

    assert.deepEqual(await queryRows(partner, statement, OWNER), [['partner-1'], ['partner-cli']]);
    // By ID, the owner named by EventDataStoreOwnerAccountId.
    assert.deepEqual(await queryRows(partner, `SELECT count(*) FROM ${storeArn.slice(-36)}`, OWNER), [['2']]);
    const got = await partner.send(new GetEventDataStoreCommand({ EventDataStore: storeArn }));
    assert.equal(got.Name, 'partner-events');

    const deleting = await errorOf(
      partner.send(new DeleteEventDataStoreCommand({ EventDataStore: storeArn })),
    );
    assert.equal(deleting.name, 'AccessDeniedException');
    assert.equal(
      deleting.message,
      noResourcePolicy(PARTNER_ADMIN, 'cloudtrail:DeleteEventDataStore', storeArn),
    );
    // The partner's own account does not list it.
    const listed = await partner.send(new ListEventDataStoresCommand({}));
    assert.deepEqual(listed.EventDataStores ?? [], []);
  });

  it("records the partner's calls on the store in both accounts' Event history, sharing a sharedEventID", async () => {
    const history = async (client: CloudTrailClient): Promise<AuditRecord[]> => {
      const found = await client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'StartQuery' }],
        }),
      );
      return (found.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as AuditRecord);
    };
    const mine = (await history(partner)).filter((r) => r.userIdentity.accountId === PARTNER);
    const owners = (await history(owner)).filter((r) => r.userIdentity.accountId === PARTNER);
    // The two allowed queries, each in both accounts; the denied one in the partner's only.
    assert.equal(mine.length, 3);
    const shared = mine.filter((r) => r.sharedEventID !== undefined);
    assert.equal(shared.length, 2);
    assert.equal(owners.length, 2);
    for (const record of shared) {
      assert.equal(record.recipientAccountId, PARTNER);
      assert.equal(record.userIdentity.arn, PARTNER_ADMIN);
      const copy = owners.find((r) => r.sharedEventID === record.sharedEventID);
      assert.ok(copy, 'the owner holds a copy of each allowed call');
      assert.equal(copy.recipientAccountId, OWNER);
      assert.notEqual(copy.eventID, record.eventID);
      assert.deepEqual(copy.userIdentity, {
        type: 'AWSAccount',
        principalId: partnerKey.userId,
        accountId: PARTNER,
      });
    }
  });

  it('lets a same-account IAM user with no identity policy in when the store policy names it', async () => {
    const iam = new IAMClient({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'analyst' }))).AccessKey;
      assert.ok(key?.AccessKeyId && key.SecretAccessKey);
      const analyst = cloudTrailClient({
        url: server.url,
        accessKeyId: key.AccessKeyId,
        secretAccessKey: key.SecretAccessKey,
      });
      try {
        const analystArn = `arn:aws:iam::${OWNER}:user/analyst`;
        const before = await errorOf(
          analyst.send(new GetEventDataStoreCommand({ EventDataStore: storeArn })),
        );
        assert.equal(before.name, 'AccessDeniedException');
        const current = await owner.send(new GetResourcePolicyCommand({ ResourceArn: storeArn }));
        const document = JSON.parse(current.ResourcePolicy ?? '{}') as { Statement: unknown[] };
        document.Statement.push({
          Sid: 'Analyst',
          Effect: 'Allow',
          Principal: { AWS: analystArn },
          Action: 'cloudtrail:GetEventDataStore',
          Resource: storeArn,
        });
        await owner.send(
          new PutResourcePolicyCommand({ ResourceArn: storeArn, ResourcePolicy: JSON.stringify(document) }),
        );
        const got = await analyst.send(new GetEventDataStoreCommand({ EventDataStore: storeArn }));
        assert.equal(got.EventDataStoreArn, storeArn);
        // Only what the policy names: listing stores needs an identity policy.
        const listing = await errorOf(analyst.send(new ListEventDataStoresCommand({})));
        assert.equal(listing.name, 'AccessDeniedException');
      } finally {
        analyst.destroy();
      }
    } finally {
      iam.destroy();
    }
  });

  it('DeleteResourcePolicy takes the share back: the partner is denied again', async () => {
    await owner.send(new DeleteResourcePolicyCommand({ ResourceArn: storeArn }));
    const denied = await errorOf(partner.send(new GetEventDataStoreCommand({ EventDataStore: storeArn })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.message, noResourcePolicy(PARTNER_ADMIN, 'cloudtrail:GetEventDataStore', storeArn));
    const gone = await errorOf(owner.send(new GetResourcePolicyCommand({ ResourceArn: storeArn })));
    assert.equal(gone.name, 'ResourcePolicyNotFoundException');
  });
});

describe('deleting a channel', () => {
  it('removes its resource policy with it', async () => {
    const channel = await owner.send(
      new CreateChannelCommand({
        Name: 'short-lived',
        Source: 'Custom',
        Destinations: [{ Type: 'EVENT_DATA_STORE', Location: storeArn }],
      }),
    );
    const arn = channel.ChannelArn ?? '';
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: PARTNER },
          Action: 'cloudtrail-data:PutAuditEvents',
          Resource: arn,
        },
      ],
    });
    await owner.send(new PutResourcePolicyCommand({ ResourceArn: arn, ResourcePolicy: policy }));
    const asPartner = keyEnv(server.awsEnv, partnerKey);
    assert.deepEqual((await putAuditEvents(asPartner, arn, 'short-lived-1')).failed, []);
    await owner.send(new DeleteChannelCommand({ Channel: arn }));
    const missing = await errorOf(owner.send(new GetResourcePolicyCommand({ ResourceArn: arn })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    // Were the policy left behind, it would still let the partner through to a missing channel
    // (ChannelNotFound); gone with the channel, nothing lets another account in.
    const after = await putAuditEvents(asPartner, arn, 'short-lived-2');
    assert.equal(after.code, 'AccessDeniedException');
    assert.equal(after.message, noResourcePolicy(PARTNER_ADMIN, 'cloudtrail-data:PutAuditEvents', arn));
  });
});
