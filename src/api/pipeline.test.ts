import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import {
  apiRequest,
  buildRequest,
  createSigner,
  sendRequest,
  signAndSend,
} from '../../test/helpers/signed-fetch.ts';
import { ServiceError } from '../errors.ts';
import { Authenticator, type Authorizer } from '../iam/index.ts';
import { GroupCommitter } from '../ingest/index.ts';
import { MemoryEventStore } from '../store/memory-event-store.ts';
import type { Endpoint, Operation } from './endpoint.ts';
import { createApiServer } from './pipeline.ts';

const KEY = {
  accessKeyId: 'AKIAPIPELINETEST0001',
  secretAccessKey: 'pipeline-test-secret',
  accountId: '111122223333',
  userName: 'admin',
  userId: 'AIDAPIPELINETEST0001',
  status: 'Active' as const,
};

/** A test service: `Echo` answers its input, `Fail` throws what the input names, `Crash` throws a bug. */
function testEndpoint(): Endpoint {
  const operation = (name: string): Operation<Record<string, unknown>> => ({
    name,
    eventSource: 'test.amazonaws.com',
    action: `test:${name}`,
    readOnly: name === 'Echo',
    category: 'Management',
    parse: (body) => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
    requestParameters: (input) => input ?? null,
    handle(input) {
      if (name === 'Fail') throw new ServiceError('ValidationException', String(input.message));
      if (name === 'Crash') throw new Error('a bug');
      return Promise.resolve({ responseElements: { echoed: true }, answer: () => input });
    },
  });
  return {
    matches: (method, path) => method === 'POST' && path === '/',
    signingNames: ['cloudtrail'],
    maxBodyBytes: 1024,
    contentType: 'application/x-amz-json-1.1',
    route(request) {
      const target = request.headers['x-amz-target']?.[0]?.split('.').pop();
      if (target === undefined || !['Echo', 'Fail', 'Crash', 'Denied'].includes(target)) {
        throw new ServiceError('UnknownOperationException', `Unknown operation ${target ?? ''}.`);
      }
      return operation(target);
    },
  };
}

describe('the API pipeline', () => {
  const store = new MemoryEventStore();
  const authorizer: Authorizer = {
    authorize: (r) =>
      r.action === 'test:Denied'
        ? { effect: 'Deny', reason: 'because no identity-based policy allows the test:Denied action' }
        : { effect: 'Allow' },
  };
  const server = createApiServer({
    endpoints: [testEndpoint()],
    authenticator: new Authenticator([KEY]),
    authorizer,
    committer: new GroupCommitter(store),
    logger: pino({ level: 'silent' }),
    now: Date.now,
  });
  let url = '';
  const signer = createSigner(KEY);
  const call = (operation: string, body: string) =>
    signAndSend(url, signer, apiRequest(url, operation, body));
  const records = async () =>
    (await store.readAfter(0n, 1000)).map((e) => JSON.parse(e.raw) as Record<string, unknown>);

  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('answers a handled call and records it with its parameters and response elements', async () => {
    const response = await call('Echo', '{"a":1}');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.text), { a: 1 });
    const record = (await records()).at(-1);
    assert.equal(record?.eventName, 'Echo');
    assert.equal(record?.eventSource, 'test.amazonaws.com');
    assert.equal(record?.readOnly, true);
    assert.deepEqual(record?.requestParameters, { a: 1 });
    assert.deepEqual(record?.responseElements, { echoed: true });
  });

  it('records a failed call with its error code and message, and answers that error', async () => {
    const response = await call('Fail', '{"message":"no good"}');
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.text), { __type: 'ValidationException', message: 'no good' });
    assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
    const record = (await records()).at(-1);
    assert.equal(record?.errorCode, 'ValidationException');
    assert.equal(record?.errorMessage, 'no good');
    assert.equal(record?.responseElements, null);
  });

  it("answers a denied call AccessDeniedException with AWS's text, and records the denial", async () => {
    const response = await call('Denied', '{}');
    assert.equal(response.status, 400);
    const error = JSON.parse(response.text) as { __type: string; message: string };
    assert.equal(error.__type, 'AccessDeniedException');
    assert.equal(
      error.message,
      `User: arn:aws:iam::111122223333:user/admin is not authorized to perform: test:Denied because no identity-based policy allows the test:Denied action`,
    );
    const record = (await records()).at(-1);
    assert.equal(record?.eventName, 'Denied');
    assert.equal(record?.errorCode, 'AccessDeniedException');
  });

  it('answers a bug InternalFailure (HTTP 500), records it, and keeps serving', async () => {
    const response = await call('Crash', '{}');
    assert.equal(response.status, 500);
    assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'InternalFailure');
    assert.equal((await records()).at(-1)?.errorCode, 'InternalFailure');
    assert.equal((await call('Echo', '{}')).status, 200);
  });

  it('records a call whose body does not parse, without request parameters', async () => {
    const response = await call('Echo', '{not json');
    assert.equal(response.status, 500);
    const record = (await records()).at(-1);
    assert.equal(record?.eventName, 'Echo');
    assert.equal(record?.requestParameters, null);
  });

  it('records nothing for an unsigned call, an unknown operation or an oversized body', async () => {
    const before = (await records()).length;
    assert.equal((await sendRequest(url, apiRequest(url, 'Echo', '{}'))).status, 400);
    assert.equal((await call('Nope', '{}')).status, 400);
    const big = await call('Echo', JSON.stringify({ a: 'x'.repeat(2000) }));
    assert.equal(big.status, 413);
    assert.equal((JSON.parse(big.text) as { __type: string }).__type, 'RequestEntityTooLargeException');
    assert.equal((await records()).length, before);
  });

  it('answers UnknownOperationException (HTTP 404) at a path no endpoint serves', async () => {
    const response = await signAndSend(url, signer, buildRequest(url, { path: '/elsewhere', body: '{}' }));
    assert.equal(response.status, 404);
    assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'UnknownOperationException');
  });
});
