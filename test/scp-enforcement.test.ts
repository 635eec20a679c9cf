/**
 * Service control policies hold on every call: an SCP denying cloudtrail:StopLogging, attached to
 * a member account through the `organizations` API (AWS CLI), stops that account's admin — who
 * holds AdministratorAccess — and leaves the management account alone, as AWS documents SCPs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { LocalDirObjectStore } from '../src/local/index.ts';
import type { AccessKeyRecord } from '../src/iam/index.ts';
import {
  addAccountKey,
  attachDenyStopScp,
  bootstrappedDataDir,
  writeOrganizations,
} from './helpers/accounts.ts';
import { awsCli } from './helpers/aws-cli.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf } from './helpers/trails.ts';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const ORG_ID = 'o-scptest0001';

describe('service control policies are enforced', () => {
  let dataDir = '';
  let server: TestServer;
  let member: AccessKeyRecord;
  let asMember: CloudTrailClient;
  let asManagement: CloudTrailClient;

  before(async () => {
    // The member account needs an admin key of its own: made while the server is stopped.
    dataDir = await bootstrappedDataDir({ accountId: MANAGEMENT });
    member = await addAccountKey(dataDir, MEMBER);
    await writeOrganizations(dataDir, {
      id: ORG_ID,
      managementAccountId: MANAGEMENT,
      memberAccountIds: [MEMBER],
    });
    server = await startTestServer({ dataDir, accountId: MANAGEMENT });
    await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), 'scp-logs');
    asManagement = cloudTrailClient(server);
    asMember = cloudTrailClient({ url: server.url, ...member });
    for (const client of [asManagement, asMember]) {
      await client.send(new CreateTrailCommand({ Name: 'main', S3BucketName: 'scp-logs' }));
      await client.send(new StartLoggingCommand({ Name: 'main' }));
    }
  });
  after(async () => {
    asMember.destroy();
    asManagement.destroy();
    await server.close();
  });

  it("denies the member's admin StopLogging once an SCP denies it, and not the management account's", async () => {
    await attachDenyStopScp(
      awsCli(() => server),
      join(dataDir, 'deny-stop.json'),
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Deny', Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'], Resource: '*' },
        ],
      },
      MEMBER,
    );

    const denied = await errorOf(asMember.send(new StopLoggingCommand({ Name: 'main' })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.match(
      denied.message,
      /not authorized to perform: cloudtrail:StopLogging .*service control policy/,
    );
    const status = await asMember.send(new GetTrailStatusCommand({ Name: 'main' }));
    assert.equal(status.IsLogging, true, 'the trail still logs');

    await asManagement.send(new StopLoggingCommand({ Name: 'main' }));
    const managementStatus = await asManagement.send(new GetTrailStatusCommand({ Name: 'main' }));
    assert.equal(managementStatus.IsLogging, false, 'SCPs never restrict the management account');
  });
});
