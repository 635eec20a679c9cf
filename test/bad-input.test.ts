/**
 * Bad input from an authenticated or unauthenticated caller gets an AWS-style JSON error
 * (`__type` = the AWS exception name, `message` saying what was wrong) and the server keeps
 * serving. Failed calls that did authenticate are recorded themselves (self-audit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import type { HttpRequest } from '@smithy/protocol-http';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { RecordResponse } from '../src/api/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import {
  REGION,
  apiRequest,
  buildRequest,
  createSigner,
  sendRequest,
  signAndSend,
  type RawResponse,
} from './helpers/signed-fetch.ts';

const MINUTE_MS = 60 * 1000;
/** Bytes that are not UTF-8: a lone continuation byte and an invalid lead byte inside a string. */
const INVALID_UTF8 = Buffer.concat([
  Buffer.from('{"NextToken":"'),
  Buffer.from([0x80, 0xff]),
  Buffer.from('"}'),
]);

function assertAwsError(response: RawResponse, status: number, type: string, message?: RegExp): void {
  let body: { __type?: unknown; message?: unknown };
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    assert.fail(`expected a JSON error body, got HTTP ${response.status}: ${response.text.slice(0, 200)}`);
  }
  assert.equal(body.__type, type, `HTTP ${response.status}: ${response.text}`);
  assert.equal(response.status, status, response.text);
  assert.equal(typeof body.message, 'string', response.text);
  assert.ok((body.message as string).length > 0, 'message is empty');
  if (message) assert.match(body.message as string, message);
}

function parseRecordResponse(response: RawResponse): RecordResponse {
  assert.equal(response.status, 200, response.text);
  return JSON.parse(response.text) as RecordResponse;
}

describe('bad input gets AWS-style errors and the server keeps serving', () => {
  let server: TestServer;
  let signer: SignatureV4;
  let cloudTrail: CloudTrailClient;

  /** A signed CloudTrail API call with an arbitrary body. */
  const callApi = (operation: string | undefined, body: string | Uint8Array = '{}'): Promise<RawResponse> =>
    signAndSend(server.url, signer, apiRequest(server.url, operation, body));

  const postRecords = (body: string | Uint8Array): Promise<RawResponse> =>
    signAndSend(
      server.url,
      signer,
      buildRequest(server.url, {
        path: '/v1/records',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );

  const lookupAll = async (key: 'EventId' | 'EventName', value: string): Promise<Event[]> => {
    const events: Event[] = [];
    let nextToken: string | undefined;
    do {
      const page = await cloudTrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: key, AttributeValue: value }],
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      events.push(...(page.Events ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return events;
  };

  const validRecord = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    eventVersion: '1.11',
    userIdentity: { type: 'IAMUser', accountId: server.accountId, userName: 'bad-input-test' },
    eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'test.amazonaws.com',
    eventName: 'Put',
    awsRegion: REGION,
    sourceIPAddress: '192.0.2.1',
    userAgent: 'bad-input-test',
    requestParameters: null,
    responseElements: null,
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: server.accountId,
    eventCategory: 'Management',
    ...overrides,
  });

  before(async () => {
    server = await startTestServer();
    signer = createSigner({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });
    cloudTrail = new CloudTrailClient({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      maxAttempts: 1,
    });
  });

  after(async () => {
    cloudTrail?.destroy();
    await server?.dispose();
  });

  describe('CloudTrail JSON API', () => {
    it('answers a malformed JSON body with SerializationException', async () => {
      assertAwsError(await callApi('LookupEvents', '{"MaxResults": 5'), 400, 'SerializationException');
    });

    for (const body of ['{"MaxResults":"ten"}', '{"LookupAttributes":"x"}', '{"StartTime":{}}']) {
      it(`answers members of the wrong JSON type (${body}) with SerializationException`, async () => {
        assertAwsError(await callApi('LookupEvents', body), 400, 'SerializationException');
      });
    }

    it('answers a body that is not valid UTF-8 with SerializationException', async () => {
      assertAwsError(await callApi('LookupEvents', INVALID_UTF8), 400, 'SerializationException', /UTF-8/);
    });

    it('answers an X-Amz-Target naming no CloudTrail operation with UnknownOperationException', async () => {
      assertAwsError(await callApi('NoSuchThing'), 400, 'UnknownOperationException');
    });

    it('answers a request without X-Amz-Target with UnknownOperationException', async () => {
      assertAwsError(await callApi(undefined), 400, 'UnknownOperationException');
    });

    it('answers a modelled operation OpenTrail does not implement yet (PutInsightSelectors) with UnknownOperationException', async () => {
      assertAwsError(
        await callApi('PutInsightSelectors', '{"TrailName":"t","InsightSelectors":[]}'),
        400,
        'UnknownOperationException',
        /PutInsightSelectors/,
      );
    });

    it('answers a body over 1 MiB with 413 before reading it', async () => {
      const body = `{"NextToken":"${'a'.repeat(1024 * 1024)}"}`;
      assertAwsError(await callApi('LookupEvents', body), 413, 'RequestEntityTooLargeException');
    });
  });

  describe('authentication', () => {
    it('answers a request without an Authorization header with MissingAuthenticationTokenException', async () => {
      const response = await sendRequest(server.url, apiRequest(server.url, 'LookupEvents'));
      assertAwsError(response, 400, 'MissingAuthenticationTokenException');
    });

    it('answers a signature made with the wrong secret with InvalidSignatureException', async () => {
      const wrong = createSigner({
        accessKeyId: server.accessKeyId,
        secretAccessKey: `${server.secretAccessKey}x`,
      });
      const response = await signAndSend(server.url, wrong, apiRequest(server.url, 'LookupEvents'));
      assertAwsError(response, 400, 'InvalidSignatureException', /signature we calculated does not match/);
    });

    it('answers an unknown access key ID with UnrecognizedClientException', async () => {
      const stranger = createSigner({
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: server.secretAccessKey,
      });
      const response = await signAndSend(server.url, stranger, apiRequest(server.url, 'LookupEvents'));
      assertAwsError(response, 400, 'UnrecognizedClientException');
    });

    it('answers a request signed 20 minutes ago with InvalidSignatureException "Signature expired"', async () => {
      const response = await signAndSend(server.url, signer, apiRequest(server.url, 'LookupEvents'), {
        signingDate: new Date(Date.now() - 20 * MINUTE_MS),
      });
      assertAwsError(response, 400, 'InvalidSignatureException', /Signature expired/);
    });

    it('answers a request signed 20 minutes ahead with InvalidSignatureException "Signature not yet current"', async () => {
      const response = await signAndSend(server.url, signer, apiRequest(server.url, 'LookupEvents'), {
        signingDate: new Date(Date.now() + 20 * MINUTE_MS),
      });
      assertAwsError(response, 400, 'InvalidSignatureException', /Signature not yet current/);
    });

    it('answers an Authorization header without its Signature part with IncompleteSignatureException', async () => {
      const signed = (await signer.sign(apiRequest(server.url, 'LookupEvents'))) as HttpRequest;
      const authorization = signed.headers.authorization ?? '';
      assert.match(authorization, /, Signature=[0-9a-f]{64}$/);
      signed.headers.authorization = authorization.replace(/, Signature=[0-9a-f]{64}$/, '');
      assertAwsError(await sendRequest(server.url, signed), 400, 'IncompleteSignatureException', /Signature/);
    });

    it('answers a body changed after signing with InvalidSignatureException', async () => {
      const signed = (await signer.sign(
        apiRequest(server.url, 'LookupEvents', '{"MaxResults":5}'),
      )) as HttpRequest;
      signed.body = '{"MaxResults":6}';
      assertAwsError(await sendRequest(server.url, signed), 400, 'InvalidSignatureException');
    });

    it('accepts a presigned request', async () => {
      // X-Amz-Target stays a (signed) header: the JSON protocol routes on the header, not the query.
      const presigned = (await signer.presign(apiRequest(server.url, 'LookupEvents', '{"MaxResults":1}'), {
        expiresIn: 60,
        unhoistableHeaders: new Set(['x-amz-target']),
      })) as HttpRequest;
      assert.ok(presigned.query['X-Amz-Signature'], 'presign put the signature in the query');
      assert.equal(presigned.headers.authorization, undefined);
      const response = await sendRequest(server.url, presigned);
      assert.equal(response.status, 200, response.text);
      assert.ok(Array.isArray((JSON.parse(response.text) as { Events?: unknown }).Events));
    });

    it('answers a presigned request past its X-Amz-Expires with InvalidSignatureException "Signature expired"', async () => {
      const presigned = (await signer.presign(apiRequest(server.url, 'LookupEvents', '{"MaxResults":1}'), {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 120 * MINUTE_MS),
        unhoistableHeaders: new Set(['x-amz-target']),
      })) as HttpRequest;
      assertAwsError(
        await sendRequest(server.url, presigned),
        400,
        'InvalidSignatureException',
        /Signature expired/,
      );
    });

    it('answers a request carrying X-Amz-Security-Token with UnrecognizedClientException', async () => {
      const withToken = createSigner({
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
      });
      const request = apiRequest(server.url, 'LookupEvents');
      const signed = (await withToken.sign(request)) as HttpRequest;
      assert.ok(signed.headers['x-amz-security-token'], 'the signer sent the session token');
      assertAwsError(await sendRequest(server.url, signed), 400, 'UnrecognizedClientException');
    });
  });

  describe('recording endpoint POST /v1/records', () => {
    it('answers a malformed JSON body with SerializationException', async () => {
      assertAwsError(await postRecords('{"Records":[{"eventTime":'), 400, 'SerializationException');
    });

    it('answers a body that is not valid UTF-8 with SerializationException', async () => {
      assertAwsError(await postRecords(INVALID_UTF8), 400, 'SerializationException', /UTF-8/);
    });

    for (const body of ['42', '"a string"', 'null', '{"Records":"x"}']) {
      it(`answers a body that is no batch of records (${body}) with ValidationException`, async () => {
        assertAwsError(await postRecords(body), 400, 'ValidationException');
      });
    }

    it('records the valid records of a mixed batch and fails each bad one by index', async () => {
      const withoutId = validRecord();
      delete withoutId.eventID;
      const missingName = validRecord();
      delete missingName.eventName;
      const records = [
        validRecord(),
        validRecord({ eventTime: 12 }),
        withoutId,
        validRecord({ eventType: 'Bogus' }),
        missingName,
        validRecord({ recipientAccountId: '123' }),
        validRecord({ requestParameters: { padding: 'x'.repeat(300 * 1024) } }),
        validRecord(),
      ];
      const body = JSON.stringify({ Records: records });
      const response = parseRecordResponse(await postRecords(body));

      assert.deepEqual(
        response.failed.map((f) => [f.index, f.errorCode]),
        [
          [1, 'InvalidRecord'],
          [3, 'InvalidRecord'],
          [4, 'InvalidRecord'],
          [5, 'InvalidRecord'],
          [6, 'RecordTooLarge'],
        ],
      );
      for (const f of response.failed)
        assert.ok(f.errorMessage.length > 0, `record ${f.index} has no message`);
      assert.match(response.failed[0]?.errorMessage ?? '', /eventTime/);
      assert.match(response.failed[1]?.errorMessage ?? '', /eventType/);
      assert.match(response.failed[2]?.errorMessage ?? '', /eventName/);
      assert.match(response.failed[3]?.errorMessage ?? '', /recipientAccountId/);

      assert.deepEqual(
        response.successful.map((s) => [s.index, s.status]),
        [
          [0, 'recorded'],
          [2, 'recorded'],
          [7, 'recorded'],
        ],
      );
      assert.equal(response.successful[0]?.eventID, records[0]?.eventID);
      assert.equal(response.successful[2]?.eventID, records[7]?.eventID);

      // The record sent without an eventID got one, appended: the original text stays a prefix.
      const assigned = response.successful[1]?.eventID ?? '';
      assert.match(assigned, /^[0-9a-f-]{36}$/);
      const found = await lookupAll('EventId', assigned);
      assert.equal(found.length, 1, `LookupEvents EventId=${assigned} found ${found.length} events`);
      const stored = found[0]?.CloudTrailEvent ?? '';
      const original = JSON.stringify(withoutId);
      assert.ok(
        stored.startsWith(original.slice(0, -1)),
        `stored CloudTrailEvent does not start with the record as sent:\n${stored.slice(0, 300)}`,
      );
      assert.equal((JSON.parse(stored) as { eventID?: string }).eventID, assigned);

      for (const index of [0, 7]) {
        const id = String(records[index]?.eventID);
        const events = await lookupAll('EventId', id);
        assert.equal(events.length, 1, `record ${index} (${id}) is stored once`);
        assert.equal(events[0]?.CloudTrailEvent, JSON.stringify(records[index]));
      }
    });
  });

  describe('after all of the above', () => {
    it('still answers a normal signed LookupEvents with 200', async () => {
      const response = await callApi('LookupEvents', '{"MaxResults":5}');
      assert.equal(response.status, 200, response.text);
      const output = JSON.parse(response.text) as { Events?: unknown[] };
      assert.ok(Array.isArray(output.Events) && output.Events.length > 0);
      const sdk = await cloudTrail.send(new LookupEventsCommand({ MaxResults: 1 }));
      assert.equal(sdk.$metadata.httpStatusCode, 200);
    });

    it('records the authenticated call to an unimplemented operation with its errorCode', async () => {
      const events = await lookupAll('EventName', 'PutInsightSelectors');
      assert.equal(
        events.length,
        1,
        `PutInsightSelectors was called once; Event history holds ${events.length}`,
      );
      const record = JSON.parse(events[0]?.CloudTrailEvent ?? '{}') as Record<string, unknown>;
      assert.equal(record.errorCode, 'UnknownOperationException');
      assert.equal(typeof record.errorMessage, 'string');
      assert.equal(record.eventSource, 'cloudtrail.amazonaws.com');
      assert.equal(record.readOnly, false);
      assert.deepEqual(record.requestParameters, { trailName: 't', insightSelectors: [] });
    });

    it('records authenticated LookupEvents calls that failed to parse with SerializationException', async () => {
      const events = await lookupAll('EventName', 'LookupEvents');
      const records = events.map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as Record<string, unknown>);
      const serialization = records.filter((r) => r.errorCode === 'SerializationException');
      // Malformed JSON, three wrong-type bodies and one invalid UTF-8 body.
      assert.equal(serialization.length, 5, JSON.stringify(serialization.map((r) => r.requestParameters)));
      assert.ok(
        serialization.some((r) => JSON.stringify(r.requestParameters) === '{"maxResults":"ten"}'),
        'the wrong-type request parameters are recorded as sent',
      );
    });

    it('records nothing for calls that failed authentication', async () => {
      const events = await lookupAll('EventName', 'LookupEvents');
      const codes = events.map(
        (e) => (JSON.parse(e.CloudTrailEvent ?? '{}') as { errorCode?: string }).errorCode,
      );
      for (const code of [
        'MissingAuthenticationTokenException',
        'InvalidSignatureException',
        'IncompleteSignatureException',
        'UnrecognizedClientException',
        'RequestEntityTooLargeException',
      ]) {
        assert.ok(!codes.includes(code), `a call rejected with ${code} was recorded`);
      }
    });
  });
});
