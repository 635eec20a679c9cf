import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  apiRequest,
  buildRequest,
  createSigner,
  sendRequest,
  signAndSend,
} from '../../test/helpers/signed-fetch.ts';
import { ServiceError } from '../errors.ts';
import { Authenticator, type Authorizer } from '../iam/index.ts';
import {
  GroupCommitter,
  MemoryAuditJournal,
  recoverAuditIntents,
  type AuditIntent,
  type AuditJournal,
} from '../ingest/index.ts';
import { MemoryEventStore } from '../store/memory-event-store.ts';
import type { Endpoint, Operation } from './endpoint.ts';
import { DEFAULT_PIPELINE_LIMITS, createApiServer, type PipelineDeps } from './pipeline.ts';

const KEY = {
  accessKeyId: 'AKIAPIPELINETEST0001',
  secretAccessKey: 'pipeline-test-secret',
  accountId: '111122223333',
  userName: 'admin',
  userId: 'AIDAPIPELINETEST0001',
  status: 'Active' as const,
};

type TestOperation = Operation<Record<string, unknown>>;

/** An operation of the test service (eventSource test.amazonaws.com): only `Echo` is read-only. */
function jsonOperation(
  name: string,
  handle: TestOperation['handle'],
  extra: Partial<TestOperation> = {},
): TestOperation {
  return {
    name,
    eventSource: 'test.amazonaws.com',
    action: `test:${name}`,
    readOnly: name === 'Echo',
    category: 'Management',
    parse: (body) => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
    requestParameters: (input) => input ?? null,
    handle,
    ...extra,
  };
}

/** A JSON 1.1 service at POST / (as CloudTrail's) whose X-Amz-Target names one of `operationOf`'s. */
function jsonEndpoint(operationOf: (name: string) => TestOperation | undefined): Endpoint {
  return {
    matches: (method, path) => method === 'POST' && path === '/',
    signingNames: ['cloudtrail'],
    maxBodyBytes: 1024,
    requestContentTypes: ['application/x-amz-json-1.1'],
    contentType: 'application/x-amz-json-1.1',
    route(request) {
      const target = request.headers['x-amz-target']?.[0]?.split('.').pop();
      const operation = target === undefined ? undefined : operationOf(target);
      if (!operation)
        throw new ServiceError('UnknownOperationException', `Unknown operation ${target ?? ''}.`);
      return operation;
    },
  };
}

/** A test service: `Echo` answers its input, `Fail` throws what the input names, `Crash` throws a bug. */
function testEndpoint(): Endpoint {
  return jsonEndpoint((name) =>
    ['Echo', 'Fail', 'Crash', 'Denied'].includes(name)
      ? jsonOperation(name, (input) => {
          if (name === 'Fail') throw new ServiceError('ValidationException', String(input.message));
          if (name === 'Crash') throw new Error('a bug');
          return Promise.resolve({ responseElements: { echoed: true }, answer: () => input });
        })
      : undefined,
  );
}

const signer = createSigner(KEY);

/**
 * Serves the pipeline over `deps` on a free port for the enclosing describe block: the test key
 * signs, everything is allowed, intents go to a memory journal and the log is silent, unless `deps`
 * says otherwise. `call` sends an operation of a JSON endpoint, signed.
 */
function servePipeline(deps: Pick<PipelineDeps, 'endpoints' | 'committer'> & Partial<PipelineDeps>) {
  const server = createApiServer({
    authenticator: new Authenticator([KEY]),
    authorizer: { authorize: () => ({ effect: 'Allow' }) },
    auditJournal: new MemoryAuditJournal(),
    logger: pino({ level: 'silent' }),
    now: Date.now,
    ...deps,
  });
  const api = {
    url: '',
    port: 0,
    call: (operation: string, body: string) =>
      signAndSend(api.url, signer, apiRequest(api.url, operation, body)),
  };
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    api.port = (server.address() as AddressInfo).port;
    api.url = `http://127.0.0.1:${api.port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  return api;
}

describe('the API pipeline', () => {
  const store = new MemoryEventStore();
  const authorizer: Authorizer = {
    authorize: (r) =>
      r.action === 'test:Denied'
        ? { effect: 'Deny', reason: 'because no identity-based policy allows the test:Denied action' }
        : { effect: 'Allow' },
  };
  const api = servePipeline({
    endpoints: [testEndpoint()],
    authorizer,
    committer: new GroupCommitter(store),
  });
  const { call } = api;
  const records = async () =>
    (await store.readAfter(0n, 1000)).map((e) => JSON.parse(e.raw) as Record<string, unknown>);

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
    // CloudTrail records denials as AccessDenied (what the CIS "unauthorized API calls" filter matches).
    assert.equal(record?.errorCode, 'AccessDenied');
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
    assert.equal((await sendRequest(api.url, apiRequest(api.url, 'Echo', '{}'))).status, 400);
    assert.equal((await call('Nope', '{}')).status, 400);
    const big = await call('Echo', JSON.stringify({ a: 'x'.repeat(2000) }));
    assert.equal(big.status, 413);
    assert.equal((JSON.parse(big.text) as { __type: string }).__type, 'RequestEntityTooLargeException');
    assert.equal((await records()).length, before);
  });

  it('answers UnknownOperationException (HTTP 404) at a path no endpoint serves', async () => {
    const response = await signAndSend(
      api.url,
      signer,
      buildRequest(api.url, { path: '/elsewhere', body: '{}' }),
    );
    assert.equal(response.status, 404);
    assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'UnknownOperationException');
  });
});

/** Sends raw request head bytes and reads until the server closes the connection. */
function rawExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no answer within 5 s; received: ${text}`));
    });
  });
}

describe('the API pipeline under attack', () => {
  const store = new MemoryEventStore();
  let failAppends = false;
  const failingStore = Object.assign(Object.create(store) as MemoryEventStore, {
    append: (events: Parameters<MemoryEventStore['append']>[0]) =>
      failAppends ? Promise.reject(new Error('disk full')) : store.append(events),
  });
  let changes = 0;
  const endpoint = testEndpoint();
  const counting: typeof endpoint = {
    ...endpoint,
    route(request, body) {
      const operation = endpoint.route(request, body);
      return { ...operation, handle: (input, call) => (changes++, operation.handle(input, call)) };
    },
  };
  const api = servePipeline({
    endpoints: [counting],
    committer: new GroupCommitter(failingStore),
    limits: {
      ...DEFAULT_PIPELINE_LIMITS,
      maxInflightBodyBytes: 600,
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
    },
  });
  const { call } = api;

  it('refuses an unsigned request from its headers, without waiting for its 60 MiB body', async () => {
    const answer = await rawExchange(
      api.port,
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n' +
        `X-Amz-Target: X.Echo\r\nContent-Length: ${60 * 1024 * 1024}\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 4\d\d /);
    assert.match(answer, /MissingAuthenticationTokenException/);
  });

  it('refuses a request signed with an unknown key from its headers', async () => {
    const head =
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Date: 20260101T000000Z\r\n' +
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIANOBODY/20260101/us-east-1/cloudtrail/aws4_request, ' +
      `SignedHeaders=host;x-amz-date, Signature=00\r\nContent-Length: ${60 * 1024 * 1024}\r\n\r\n`;
    const answer = await rawExchange(api.port, head);
    assert.match(answer, /^HTTP\/1\.1 4\d\d /);
  });

  it('drops a signed client that sends its body too slowly', async () => {
    const body = JSON.stringify({ a: 'x'.repeat(80) });
    const signed = await signer.sign(apiRequest(api.url, 'Echo', body));
    const headers = Object.entries(signed.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const startedMs = Date.now();
    const head = `POST / HTTP/1.1\r\n${headers}content-length: ${body.length}\r\n\r\n`;
    const answer = await rawExchange(api.port, head + body.slice(0, 10));
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - startedMs < 4000, 'within a few seconds of the request timeout');
  });

  it('answers 503 ServiceUnavailable when the body would pass the bytes in flight the server allows', async () => {
    const response = await call('Echo', JSON.stringify({ a: 'x'.repeat(700) }));
    assert.equal(response.status, 503);
    assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'ServiceUnavailable');
    assert.equal((await call('Echo', '{"a":1}')).status, 200, 'the budget is given back');
  });

  it('refuses a body sent as a media type the endpoint does not take, and records the refusal', async () => {
    const request = apiRequest(api.url, 'Echo', '{"a":1}');
    request.headers['content-type'] = 'text/plain';
    const response = await signAndSend(api.url, signer, request);
    assert.equal(response.status, 415);
    assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'UnsupportedMediaTypeException');
    const last = (await store.readAfter(0n, 1000)).at(-1);
    assert.equal(
      (JSON.parse(last?.raw ?? '{}') as { errorCode?: string }).errorCode,
      'UnsupportedMediaTypeException',
    );
  });

  it('carries out no change while the event log cannot commit, and resumes once it can', async () => {
    failAppends = true;
    assert.equal((await call('Fail', '{"message":"x"}')).status, 500, 'the failing commit is a 500');
    const before = changes;
    const refused = await call('Fail', '{"message":"x"}');
    assert.equal(refused.status, 500);
    assert.equal(changes, before, 'the change was not attempted');
    failAppends = false;
    assert.equal((await call('Echo', '{}')).status, 200, 'a read-only call commits and clears the failure');
    assert.equal((await call('Fail', '{"message":"y"}')).status, 400);
    assert.equal(changes, before + 2);
  });
});

describe('the API pipeline with several protocols at one path', () => {
  /** A query-protocol service at POST / (as IAM and STS are), answering and failing in XML. */
  const xmlEndpoint: Endpoint = {
    matches: (method, path) => method === 'POST' && path === '/',
    signingNames: ['iam'],
    maxBodyBytes: 1024,
    requestContentTypes: ['application/x-www-form-urlencoded'],
    contentType: 'text/xml',
    errorBody: (error, requestId) =>
      `<ErrorResponse><Error><Code>${error.code}</Code></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    route(_request, body) {
      const action = new URLSearchParams(body.toString('utf8')).get('Action');
      if (action !== 'GetUser')
        throw new ServiceError('InvalidAction', `Could not find operation ${action ?? ''}`);
      return {
        name: 'GetUser',
        eventSource: 'iam.amazonaws.com',
        action: 'iam:GetUser',
        readOnly: true,
        category: 'Management',
        parse: () => ({}),
        requestParameters: () => null,
        handle: (_input, call) =>
          Promise.resolve({
            responseElements: null,
            answer: () => `<GetUserResponse><RequestId>${call.requestId}</RequestId></GetUserResponse>`,
          }),
      };
    },
  };
  const store = new MemoryEventStore();
  const api = servePipeline({
    endpoints: [testEndpoint(), xmlEndpoint],
    committer: new GroupCommitter(store),
  });
  const iamSigner = new SignatureV4({
    service: 'iam',
    region: 'us-east-1',
    credentials: KEY,
    sha256: Hash.bind(null, 'sha256'),
  });
  const form = (body: string) =>
    buildRequest(api.url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('picks the endpoint the credential scope names, and answers in its protocol', async () => {
    const response = await signAndSend(api.url, iamSigner, form('Action=GetUser&Version=2010-05-08'));
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('content-type'), 'text/xml');
    assert.equal(
      response.text,
      `<GetUserResponse><RequestId>${response.headers.get('x-amzn-requestid')}</RequestId></GetUserResponse>`,
    );
    const record = JSON.parse((await store.readAfter(0n, 10)).at(-1)?.raw ?? '{}') as {
      eventSource?: string;
    };
    assert.equal(record.eventSource, 'iam.amazonaws.com');
  });

  it('writes errors in the protocol of the endpoint the request was for', async () => {
    const response = await signAndSend(api.url, iamSigner, form('Action=Nope'));
    assert.equal(response.status, 400);
    assert.match(response.text, /^<ErrorResponse><Error><Code>InvalidAction<\/Code>/);
  });

  it('sends a request signed for another service, or unsigned, to the first endpoint at the path', async () => {
    const signed = await signAndSend(api.url, signer, apiRequest(api.url, 'Echo', '{"a":1}'));
    assert.equal(signed.status, 200);
    const unsigned = await sendRequest(api.url, form('Action=GetUser'));
    assert.equal(unsigned.headers.get('content-type'), 'application/x-amz-json-1.1');
  });
});

describe('the API pipeline, audit first', () => {
  const store = new MemoryEventStore();
  /** The eventName whose audit commit fails (after the change ran). */
  let failCommitOf: string | undefined;
  const log = Object.assign(Object.create(store) as MemoryEventStore, {
    append: (events: Parameters<MemoryEventStore['append']>[0]) =>
      events.some((e) => e.eventName === failCommitOf)
        ? Promise.reject(new Error('I/O error'))
        : store.append(events),
  });
  const journal = new MemoryAuditJournal();
  let failJournal = false;
  const written: AuditIntent[] = [];
  const journalUnderTest: AuditJournal = {
    write: (intent) => {
      if (failJournal) return Promise.reject(new Error('ENOSPC: no space left on device'));
      written.push(intent);
      return journal.write(intent);
    },
    drop: (ids) => journal.drop(ids),
    pending: () => journal.pending(),
    close: () => journal.close(),
  };
  /** What each Change handler saw pending in the journal when it ran. */
  const changes: AuditIntent[][] = [];
  const endpoint = jsonEndpoint((name) =>
    name === 'Echo' || name === 'Change' || name === 'Record'
      ? jsonOperation(
          name,
          async (input) => {
            if (name === 'Change') changes.push(await journal.pending());
            return { responseElements: { done: true }, answer: () => input };
          },
          name === 'Record' ? { changesOnlyItsEvents: true } : {},
        )
      : undefined,
  );
  const { call } = servePipeline({
    endpoints: [endpoint],
    committer: new GroupCommitter(log),
    auditJournal: journalUnderTest,
  });
  const recordOf = async (requestId: string | null) =>
    (await store.readAfter(0n, 1000))
      .map((e) => JSON.parse(e.raw) as Record<string, unknown>)
      .filter((r) => r.requestID === requestId);

  it("makes a change's intent durable before the change runs; its record carries the intent's eventID", async () => {
    const response = await call('Change', '{"Name":"trail-1"}');
    assert.equal(response.status, 200);
    const seen = changes.at(-1);
    assert.equal(seen?.length, 1, 'the intent was pending while the change ran');
    const intent = seen?.[0];
    assert.equal(intent?.eventName, 'Change');
    assert.deepEqual(intent?.requestParameters, { name: 'trail-1' });
    assert.equal(intent?.requestId, response.headers.get('x-amzn-requestid'));
    const [record] = await recordOf(response.headers.get('x-amzn-requestid'));
    assert.equal(record?.eventID, intent?.eventId);
    assert.deepEqual(record?.responseElements, { done: true });
    assert.equal(record?.additionalEventData, undefined);
    assert.deepEqual(await journal.pending(), [], 'dropped once the record is committed');
  });

  it('writes no intent for a read-only call, nor for one whose only change is its own events', async () => {
    const before = written.length;
    assert.equal((await call('Echo', '{}')).status, 200);
    assert.equal((await call('Record', '{}')).status, 200);
    assert.equal(written.length, before);
  });

  it('refuses a change whose intent cannot be made durable (503 ServiceUnavailable), without running it', async () => {
    failJournal = true;
    try {
      const before = changes.length;
      const response = await call('Change', '{"Name":"trail-2"}');
      assert.equal(response.status, 503);
      assert.equal((JSON.parse(response.text) as { __type: string }).__type, 'ServiceUnavailable');
      assert.equal(changes.length, before, 'the change was not attempted');
      const [record] = await recordOf(response.headers.get('x-amzn-requestid'));
      assert.equal(record?.eventName, 'Change');
      assert.equal(record?.errorCode, 'ServiceUnavailable');
      assert.equal((await call('Echo', '{}')).status, 200, 'read-only calls need no journal');
    } finally {
      failJournal = false;
    }
  });

  it('records at recovery, outcome unknown, a change whose audit commit failed after it ran', async () => {
    failCommitOf = 'Change';
    const before = changes.length;
    const response = await call('Change', '{"Name":"trail-3"}');
    failCommitOf = undefined;
    assert.equal(response.status, 500);
    assert.equal(changes.length, before + 1, 'the change ran');
    const requestId = response.headers.get('x-amzn-requestid');
    assert.deepEqual(await recordOf(requestId), [], 'no record was committed');
    const [intent] = await journal.pending();
    assert.equal(intent?.requestId, requestId);

    assert.deepEqual(await recoverAuditIntents(journal, store, Date.parse('2026-01-02T03:04:05Z')), {
      recovered: 1,
      alreadyRecorded: 0,
    });
    const [record, ...more] = await recordOf(requestId);
    assert.equal(more.length, 0);
    assert.equal(record?.eventID, intent?.eventId);
    assert.equal(record?.eventName, 'Change');
    assert.deepEqual(record?.requestParameters, { name: 'trail-3' });
    assert.equal(record?.responseElements, null);
    assert.equal(record?.errorCode, undefined);
    assert.deepEqual(record?.additionalEventData, {
      outcome: 'Unknown',
      reason:
        'The server stopped, or could not commit, after the call was authorized and before its outcome was recorded; this record was written from its audit intent.',
      recoveredTime: '2026-01-02T03:04:05Z',
    });
    assert.equal((record?.userIdentity as { arn?: string }).arn, 'arn:aws:iam::111122223333:user/admin');
    assert.deepEqual(await journal.pending(), []);
    assert.equal((await call('Echo', '{}')).status, 200, 'the log commits again');
  });
});
