/**
 * Attacks on the API itself, against the real server: a call must never escape its own audit
 * record, a header that chooses the operation must be signed, and a credential scope must name a
 * Region that exists. Each case here once got through (issue 13).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateTrailCommand,
  GetTrailCommand,
  LookupEventsCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { TARGET_PREFIX, apiRequest, createSigner, sendRequest, signAndSend } from './helpers/signed-fetch.ts';
import { cloudTrailClient } from './helpers/trails.ts';

const ACCOUNT = '123456789012';
const BUCKET = 'hardening-logs';

interface AuditRecord {
  eventName: string;
  errorCode?: string;
  requestParameters: Record<string, unknown> | null;
}

describe('the API cannot be made to skip or forge its own audit', () => {
  let server: TestServer;
  let client: CloudTrailClient;

  before(async () => {
    server = await startTestServer({ accountId: ACCOUNT });
    await LocalDirObjectStore.createBucket(join(server.dataDir, 'buckets'), BUCKET);
    client = cloudTrailClient(server);
  });
  after(() => server.dispose());

  /** The newest self-audit records of `eventName`, newest first. */
  async function recordsOf(eventName: string): Promise<AuditRecord[]> {
    const answer = await client.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
      }),
    );
    return (answer.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as AuditRecord);
  }

  it('refuses a DeleteTrail nested 100,000 arrays deep, keeps the trail, and records the refusal', async () => {
    await client.send(new CreateTrailCommand({ Name: 'victim', S3BucketName: BUCKET }));
    const junk = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const response = await signAndSend(
      server.url,
      createSigner(server),
      apiRequest(server.url, 'DeleteTrail', `{"Name":"victim","junk":${junk}}`),
    );
    assert.equal(response.status, 400, response.text.slice(0, 300));
    assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'SerializationException');
    const trail = await client.send(new GetTrailCommand({ Name: 'victim' }));
    assert.equal(trail.Trail?.Name, 'victim', 'the trail is still there');
    const [record] = await recordsOf('DeleteTrail');
    assert.equal(record?.errorCode, 'SerializationException', 'the refused call is in Event history');
  });

  it('records a parameter too large for the audit record as omitted, keeping the small members', async () => {
    const response = await signAndSend(
      server.url,
      createSigner(server),
      apiRequest(
        server.url,
        'GetTrailStatus',
        JSON.stringify({ Name: 'victim', Padding: 'x'.repeat(400_000) }),
      ),
    );
    assert.equal(response.status, 200, response.text.slice(0, 300));
    const [record] = await recordsOf('GetTrailStatus');
    // AWS: a field over its maximum size (100 KB) is truncated and says omitted: true.
    assert.deepEqual(record?.requestParameters, { name: 'victim', omitted: true });
  });

  it('refuses a request whose X-Amz-Target was not signed', async () => {
    const signer = createSigner(server);
    const request = apiRequest(server.url, undefined, '{"Name":"victim"}');
    const signed = await signer.sign(request);
    // The target is chosen after signing: SignedHeaders does not name it.
    signed.headers['x-amz-target'] = `${TARGET_PREFIX}DeleteTrail`;
    const response = await sendRequest(server.url, signed as typeof request);
    assert.equal(response.status, 400, response.text);
    const error = JSON.parse(response.text) as { __type: string; message: string };
    assert.equal(error.__type, 'InvalidSignatureException');
    assert.match(error.message, /not signed: x-amz-target/);
    assert.equal((await client.send(new GetTrailCommand({ Name: 'victim' }))).Trail?.Name, 'victim');
  });

  it('refuses a credential scope that names a Region that does not exist', async () => {
    const response = await signAndSend(
      server.url,
      createSigner(server, 'zz-fake-9'),
      apiRequest(server.url, 'ListTrails', '{}'),
    );
    assert.equal(response.status, 400);
    const error = JSON.parse(response.text) as { __type: string; message: string };
    assert.equal(error.__type, 'InvalidSignatureException');
    assert.match(error.message, /valid region, not 'zz-fake-9'/);
  });

  it('refuses a body that is not sent as AWS JSON 1.1, and records the refusal', async () => {
    const request = apiRequest(server.url, 'DescribeTrails', '{}');
    request.headers['content-type'] = 'text/plain';
    const response = await signAndSend(server.url, createSigner(server), request);
    assert.equal(response.status, 415);
    assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'UnsupportedMediaTypeException');
    const [record] = await recordsOf('DescribeTrails');
    assert.equal(record?.errorCode, 'UnsupportedMediaTypeException');
  });
});
