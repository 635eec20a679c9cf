/**
 * What a caller may record through POST /v1/records, with real clients (the CLI's RecordClient,
 * the signed fetch helper, the AWS SDK): its own account's and its organization's member
 * accounts' events in real Regions; no forged self-audit record, no event from the future, no
 * record two readers would read differently; and a retried request records once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { RecordResponse } from '../src/api/index.ts';
import { RecordClient } from '../src/cli/client.ts';
import { INVICTUS_SAMPLES } from './fixtures/samples.ts';
import { INVICTUS_ACCOUNT, startTestServer, type TestServer } from './helpers/server.ts';
import { buildRequest, createSigner, signAndSend } from './helpers/signed-fetch.ts';

const MEMBER = '210987654321';
const STRANGER = '555566667777';
const ORG_ID = 'o-a1b2c3d4e5';

function nowIso(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function appRecord(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    eventTime: nowIso(-60_000),
    eventSource: 'app.example.com',
    eventName: 'Login',
    awsRegion: 'us-east-1',
    eventID: randomUUID(),
    recipientAccountId: INVICTUS_ACCOUNT,
    ...extra,
  };
}

/** A real StopLogging from the invictus-ir incident logs (2023-07-10). */
async function realStopLogging(): Promise<Record<string, unknown>> {
  const file = join(
    INVICTUS_SAMPLES,
    '218007301253_CloudTrail_us-east-1_20230710T1205Z_SjF3IkuNXJkoHyar.json',
  );
  const { Records } = JSON.parse(await readFile(file, 'utf8')) as { Records: Record<string, unknown>[] };
  const stop = Records.find((r) => r.eventID === 'f6e10706-705c-47f2-94d4-112a9527ab8b');
  assert.ok(stop);
  return stop;
}

function failureOf(response: RecordResponse, index: number): { errorCode: string; errorMessage: string } {
  const failure = response.failed.find((f) => f.index === index);
  assert.ok(failure, `record ${index} was not refused: ${JSON.stringify(response)}`);
  return failure;
}

describe('POST /v1/records is scoped to what the caller may record', () => {
  let server: TestServer;
  let client: RecordClient;

  before(async () => {
    server = await startTestServer({ accountId: INVICTUS_ACCOUNT, historyRetentionDays: 36500 });
    await writeFile(
      join(server.dataDir, 'organizations.json'),
      JSON.stringify({
        organizations: [{ id: ORG_ID, managementAccountId: INVICTUS_ACCOUNT, memberAccountIds: [MEMBER] }],
      }),
    );
    client = new RecordClient(server.url, 'us-east-1', server);
  });
  after(() => server.dispose());

  it("refuses a record for another account, and takes the organization's member account", async () => {
    const response = await client.send(
      JSON.stringify([
        appRecord({ recipientAccountId: STRANGER }),
        appRecord({ recipientAccountId: MEMBER }),
      ]),
    );
    const forged = failureOf(response, 0);
    assert.equal(forged.errorCode, 'InvalidRecipient');
    assert.match(
      forged.errorMessage,
      new RegExp(`account ${STRANGER}; account ${INVICTUS_ACCOUNT} may record`),
    );
    assert.deepEqual(
      response.successful.map((s) => [s.index, s.status]),
      [[1, 'recorded']],
    );
  });

  it('refuses an awsRegion that is not an AWS Region', async () => {
    const response = await client.send(JSON.stringify(appRecord({ awsRegion: 'zz-fake-9' })));
    const failure = failureOf(response, 0);
    assert.equal(failure.errorCode, 'InvalidRecord');
    assert.match(failure.errorMessage, /'zz-fake-9', which is not an AWS Region/);
  });

  it('refuses a fake StopLogging dated now, and takes the real one imported from the incident', async () => {
    const real = await realStopLogging();
    const fake = { ...real, eventID: randomUUID(), eventTime: nowIso() };
    const response = await client.send(JSON.stringify({ Records: [fake, real] }));
    const failure = failureOf(response, 0);
    assert.equal(failure.errorCode, 'InvalidEventSource');
    assert.match(failure.errorMessage, /cloudtrail\.amazonaws\.com for account 123837392027/);
    assert.deepEqual(
      response.successful.map((s) => [s.index, s.eventID]),
      [[1, 'f6e10706-705c-47f2-94d4-112a9527ab8b']],
    );
  });

  it('refuses a duplicate key naming it, a lone surrogate, and an eventTime in the future', async () => {
    const good = JSON.stringify(appRecord());
    const twice = `${good.slice(0, -1)},"eventName":"Logout"}`;
    const lone = JSON.stringify(appRecord({ userAgent: 'agent' })).replace('"agent"', '"\\ud800"');
    const future = JSON.stringify(appRecord({ eventTime: '2999-01-01T00:00:00Z' }));
    const response = await client.send(`[${twice},${lone},${future}]`);
    assert.equal(response.successful.length, 0);
    assert.match(failureOf(response, 0).errorMessage, /the key 'eventName' twice/);
    assert.match(failureOf(response, 1).errorMessage, /'userAgent' holds a lone surrogate/);
    assert.match(
      failureOf(response, 2).errorMessage,
      /'eventTime' is '2999-01-01T00:00:00Z', more than 900 seconds/,
    );
    for (const f of response.failed) assert.equal(f.errorCode, 'InvalidRecord');
  });

  it('records a request retried with the same Idempotency-Key once', async () => {
    const eventName = `Retried${randomUUID().slice(0, 8)}`;
    const withoutIds = [appRecord({ eventName }), appRecord({ eventName })].map(({ eventID: _, ...r }) => r);
    const body = JSON.stringify(withoutIds);
    const signer = createSigner(server);
    const send = async (key: string): Promise<RecordResponse> => {
      const request = buildRequest(server.url, {
        path: '/v1/records',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body,
      });
      const response = await signAndSend(server.url, signer, request);
      assert.equal(response.status, 200, response.text);
      return JSON.parse(response.text) as RecordResponse;
    };
    const key = randomUUID();
    const first = await send(key);
    const retry = await send(key);
    assert.deepEqual(
      first.successful.map((s) => s.status),
      ['recorded', 'recorded'],
    );
    assert.deepEqual(
      retry.successful.map((s) => [s.eventID, s.status]),
      first.successful.map((s) => [s.eventID, 'duplicate']),
    );

    const ct = new CloudTrailClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    const found = await ct.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
      }),
    );
    assert.equal(found.Events?.length, 2);
  });
});
