/**
 * CloudTrail Lake query results saved to a bucket (StartQuery DeliveryS3Uri) over a real server:
 * the AWS SDK and the AWS CLI start queries with a DeliveryS3Uri; the delivered CSV files must hold
 * what GetQueryResults returns, and the sign file must verify — with node:crypto and with openssl,
 * as the CloudTrail User Guide's manual steps do — against the key ListPublicKeys returns.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  CreateEventDataStoreCommand,
  DescribeQueryCommand,
  ListPublicKeysCommand,
  ListQueriesCommand,
  StartQueryCommand,
  paginateGetQueryResults,
  type CloudTrailClient,
  type DescribeQueryCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import { RecordClient } from '../src/cli/client.ts';
import { LocalDirObjectStore } from '../src/local/index.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import { makeTempDir, startTestServer, type TestServer } from './helpers/server.ts';
import { cloudTrailClient, errorOf, waitFor } from './helpers/trails.ts';

const RESULTS = 'lake-results';

let dataDir: string;
let server: TestServer;
let client: CloudTrailClient;
let bucket: LocalDirObjectStore;
let storeId: string;
let storeArn: string;
/** The billing events recorded for the queries below, each with values CSV has to quote. */
const recorded: { eventName: string; userAgent: string; note: string; errorCode?: string }[] = [];

interface SignFile {
  version: string;
  region: string;
  files: { fileHashValue: string; fileName: string }[];
  hashAlgorithm: string;
  signatureAlgorithm: string;
  queryCompleteTime: string;
  hashSignature: string;
  publicKeyFingerprint: string;
}

/**
 * Runs openssl with no stdin: it exits without reading one, so the run() helper's write to its
 * stdin can fail with EPIPE.
 */
function openssl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** RFC 4180 records of a CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  assert.equal(field + row.join(''), '', 'the CSV ends with a line break');
  return rows;
}

async function describeWhenDelivered(queryId: string): Promise<DescribeQueryCommandOutput> {
  return waitFor(
    'the query to finish and its delivery to settle',
    async () => {
      const d = await client.send(new DescribeQueryCommand({ QueryId: queryId }));
      if (d.QueryStatus === 'QUEUED' || d.QueryStatus === 'RUNNING') return undefined;
      return d.DeliveryStatus === 'PENDING' ? undefined : d;
    },
    60_000,
  );
}

/** GetQueryResults' rows as value lists in column order, a left-out (null) column as ''. */
async function resultRows(queryId: string, columns: string[]): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const page of paginateGetQueryResults({ client, pageSize: 4 }, { QueryId: queryId })) {
    for (const row of page.QueryResultRows ?? []) {
      const values = Object.assign({}, ...row) as Record<string, string>;
      rows.push(columns.map((c) => values[c] ?? ''));
    }
  }
  return rows;
}

/** The UTC day folder of a query: `yyyy/mm/dd` of its CreationTime. */
function dayOf(d: DescribeQueryCommandOutput): string {
  const created = d.QueryStatistics?.CreationTime ?? new Date(0);
  return created.toISOString().slice(0, 10).replaceAll('-', '/');
}

/** The delivered keys under a query's folder, and the folder. */
async function deliveredKeys(
  prefix: string,
  d: DescribeQueryCommandOutput,
): Promise<{ base: string; keys: string[] }> {
  const base = `${prefix}AWSLogs/${server.accountId}/CloudTrail-Lake/Query/${dayOf(d)}/${d.QueryId}/`;
  const keys: string[] = [];
  for await (const key of bucket.listKeys(base)) keys.push(key.slice(base.length));
  return { base, keys };
}

/**
 * Verifies a delivered query as the User Guide's custom validation describes: each file's SHA-256
 * against the sign file, then the signature over the space-separated hashes with the public key
 * from ListPublicKeys (by fingerprint, for a range around queryCompleteTime). Returns the CSV texts.
 */
async function verifyDelivery(base: string): Promise<{ sign: SignFile; csv: string[] }> {
  const sign = JSON.parse((await bucket.get(`${base}result_sign.json`)).body.toString()) as SignFile;
  const csv: string[] = [];
  for (const file of sign.files) {
    const body = (await bucket.get(base + file.fileName)).body;
    assert.equal(createHash('sha256').update(body).digest('hex'), file.fileHashValue, file.fileName);
    csv.push(gunzipSync(body).toString('utf8'));
  }
  const completed = new Date(sign.queryCompleteTime);
  const { PublicKeyList } = await client.send(
    new ListPublicKeysCommand({ StartTime: completed, EndTime: completed }),
  );
  const key = PublicKeyList?.find((k) => k.Fingerprint === sign.publicKeyFingerprint);
  assert.ok(key?.Value, `ListPublicKeys at ${sign.queryCompleteTime} has key ${sign.publicKeyFingerprint}`);
  assert.equal(createHash('md5').update(key.Value).digest('hex'), sign.publicKeyFingerprint);
  const publicKey = createPublicKey({ key: Buffer.from(key.Value), format: 'der', type: 'pkcs1' });
  const hashList = sign.files.map((f) => f.fileHashValue).join(' ');
  assert.ok(
    verify('sha256', Buffer.from(hashList), publicKey, Buffer.from(sign.hashSignature, 'hex')),
    'the sign file signature verifies',
  );
  return { sign, csv };
}

before(async () => {
  dataDir = await makeTempDir();
  server = await startTestServer({ dataDir });
  client = cloudTrailClient(server);
  await LocalDirObjectStore.createBucket(join(dataDir, 'buckets'), RESULTS);
  bucket = new LocalDirObjectStore(join(dataDir, 'buckets'), RESULTS);
  // A file where the 'blocked/' prefix needs a folder: deliveries under it cannot be written.
  await bucket.put('blocked/AWSLogs', Buffer.from('in the way'));

  const created = await client.send(
    new CreateEventDataStoreCommand({ Name: 'delivered', TerminationProtectionEnabled: false }),
  );
  storeArn = created.EventDataStoreArn ?? '';
  storeId = storeArn.slice(storeArn.lastIndexOf('/') + 1);

  const now = Date.now();
  for (let i = 0; i < 12; i++) {
    recorded.push({
      eventName: `IssueRefund${String(i).padStart(2, '0')}`,
      userAgent: i % 3 === 0 ? `billing-cli/1.${i} (linux, "prod")` : `billing-cli/1.${i}`,
      note: i % 4 === 0 ? `line one\nline two, ${i}` : `refund #${i}`,
      ...(i % 5 === 0 ? { errorCode: 'InsufficientFunds' } : {}),
    });
  }
  const recorder = await RecordClient.create({ endpointUrl: server.url, dataDir, region: 'us-east-1' });
  const response = await recorder.send(
    JSON.stringify({
      Records: recorded.map((r, i) => ({
        eventTime: new Date(now - 60_000 + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource: 'billing.example.com',
        eventName: r.eventName,
        readOnly: false,
        userIdentity: { type: 'IAMUser', userName: 'alice' },
        userAgent: r.userAgent,
        requestParameters: { note: r.note, amount: String(i * 10) },
        ...(r.errorCode ? { errorCode: r.errorCode } : {}),
      })),
    }),
  );
  assert.equal(response.failed.length, 0);
  await waitFor('the recorded events in the store', async () => {
    const { QueryId } = await client.send(
      new StartQueryCommand({
        QueryStatement: `SELECT COUNT(*) AS n FROM ${storeId} WHERE eventSource = 'billing.example.com'`,
      }),
    );
    const d = await describeWhenDelivered(QueryId ?? '');
    const [row] = await resultRows(QueryId ?? '', ['n']);
    return d.QueryStatus === 'FINISHED' && row?.[0] === String(recorded.length) ? true : undefined;
  });
});

after(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const COLUMNS = ['eventName', 'userAgent', 'note', 'errorCode', 'eventTime'];
function statement(): string {
  return `SELECT eventName, userAgent, element_at(requestParameters, 'note') AS note, errorCode, eventTime
          FROM ${storeId} WHERE eventSource = 'billing.example.com' ORDER BY eventName`;
}

const queryIds: Record<string, string> = {};

describe('StartQuery with DeliveryS3Uri', () => {
  it('the SDK: delivers a gzip CSV holding what GetQueryResults returns, and a sign file that verifies', async () => {
    const { QueryId } = await client.send(
      new StartQueryCommand({ QueryStatement: statement(), DeliveryS3Uri: `s3://${RESULTS}/team/lake/` }),
    );
    const described = await describeWhenDelivered(QueryId ?? '');
    assert.equal(described.QueryStatus, 'FINISHED', described.ErrorMessage);
    assert.equal(described.DeliveryStatus, 'SUCCESS');
    assert.equal(described.DeliveryS3Uri, `s3://${RESULTS}/team/lake/`);
    queryIds.sdk = QueryId ?? '';

    const { base, keys } = await deliveredKeys('team/lake/', described);
    assert.deepEqual(keys, ['result_1.csv.gz', 'result_sign.json']);
    const { sign, csv } = await verifyDelivery(base);
    assert.equal(sign.version, '1.0');
    assert.equal(sign.region, 'us-east-1');
    assert.equal(sign.hashAlgorithm, 'SHA-256');
    assert.equal(sign.signatureAlgorithm, 'SHA256withRSA');
    assert.deepEqual(
      sign.files.map((f) => f.fileName),
      ['result_1.csv.gz'],
    );

    const text = csv[0] ?? '';
    const firstLine = text.slice(0, text.indexOf('\n'));
    assert.match(firstLine, /^# Execution Time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const [header, ...rows] = parseCsv(text.slice(firstLine.length + 1));
    assert.deepEqual(header, COLUMNS);
    const expected = await resultRows(QueryId ?? '', COLUMNS);
    assert.equal(expected.length, recorded.length);
    assert.deepEqual(rows, expected);
    // Independently of GetQueryResults: the recorded values, quoted where CSV needs it.
    assert.deepEqual(
      rows.map((r) => r.slice(0, 4)),
      recorded.map((r) => [r.eventName, r.userAgent, r.note, r.errorCode ?? '']),
    );
    assert.ok(text.includes('"billing-cli/1.0 (linux, ""prod"")"'));
  });

  it('the sign file verifies with openssl, as the User Guide validates it by hand', async () => {
    const d = await client.send(new DescribeQueryCommand({ QueryId: queryIds.sdk }));
    const { base } = await deliveredKeys('team/lake/', d);
    const sign = JSON.parse((await bucket.get(`${base}result_sign.json`)).body.toString()) as SignFile;
    const work = await mkdtemp(join(tmpdir(), 'opentrail-openssl-'));
    try {
      for (const file of sign.files) {
        await writeFile(join(work, file.fileName), (await bucket.get(base + file.fileName)).body);
        const dgst = await openssl(['dgst', '-sha256', join(work, file.fileName)]);
        assert.equal(dgst.code, 0, dgst.stderr);
        assert.ok(dgst.stdout.trim().endsWith(`= ${file.fileHashValue}`), dgst.stdout);
      }
      const completed = new Date(sign.queryCompleteTime);
      const { PublicKeyList } = await client.send(
        new ListPublicKeysCommand({ StartTime: new Date(completed.getTime() - 60_000), EndTime: completed }),
      );
      const value = PublicKeyList?.find((k) => k.Fingerprint === sign.publicKeyFingerprint)?.Value;
      assert.ok(value);
      const pem = `-----BEGIN RSA PUBLIC KEY-----\n${(
        Buffer.from(value)
          .toString('base64')
          .match(/.{1,64}/g) ?? []
      ).join('\n')}\n-----END RSA PUBLIC KEY-----\n`;
      await writeFile(join(work, 'public_key_pkcs1.pem'), pem);
      const x509 = await openssl([
        'rsa',
        '-RSAPublicKey_in',
        '-in',
        join(work, 'public_key_pkcs1.pem'),
        '-pubout',
        '-out',
        join(work, 'public_key_x509.pem'),
      ]);
      assert.equal(x509.code, 0, x509.stderr);
      await writeFile(join(work, 'signature.bin'), Buffer.from(sign.hashSignature, 'hex'));
      await writeFile(join(work, 'hash_list'), sign.files.map((f) => f.fileHashValue).join(' '));
      const args = ['dgst', '-sha256', '-verify', join(work, 'public_key_x509.pem'), '-signature'];
      const ok = await openssl([...args, join(work, 'signature.bin'), join(work, 'hash_list')]);
      assert.equal(ok.stdout.trim(), 'Verified OK', ok.stderr);
      // A tampered hash list fails.
      await writeFile(join(work, 'hash_list'), `${sign.files.map((f) => f.fileHashValue).join(' ')} `);
      const bad = await openssl([...args, join(work, 'signature.bin'), join(work, 'hash_list')]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stdout, /Verification failure/i);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  for (const cli of [AWS_CLI_V1, AWS_CLI_V2]) {
    it(`${cli}: start-query --delivery-s3-uri, then describe-query shows the delivery`, async () => {
      const env = server.awsEnv;
      const endpoint = ['--endpoint-url', server.url, '--output', 'json'];
      const prefix = `cli-${cli === AWS_CLI_V1 ? 'v1' : 'v2'}`;
      const start = await run(
        cli,
        [
          'cloudtrail',
          'start-query',
          '--query-statement',
          statement(),
          '--delivery-s3-uri',
          `s3://${RESULTS}/${prefix}`,
          ...endpoint,
        ],
        { env },
      );
      assert.equal(start.code, 0, start.stderr);
      const { QueryId } = JSON.parse(start.stdout) as { QueryId: string };
      const described = await waitFor(
        'describe-query to show the delivery settled',
        async () => {
          const r = await run(cli, ['cloudtrail', 'describe-query', '--query-id', QueryId, ...endpoint], {
            env,
          });
          assert.equal(r.code, 0, r.stderr);
          const d = JSON.parse(r.stdout) as {
            QueryStatus: string;
            DeliveryS3Uri?: string;
            DeliveryStatus?: string;
          };
          return d.QueryStatus === 'FINISHED' && d.DeliveryStatus !== 'PENDING' ? d : undefined;
        },
        60_000,
      );
      assert.equal(described.DeliveryStatus, 'SUCCESS');
      assert.equal(described.DeliveryS3Uri, `s3://${RESULTS}/${prefix}`);

      const { base, keys } = await deliveredKeys(
        `${prefix}/`,
        await client.send(new DescribeQueryCommand({ QueryId })),
      );
      assert.deepEqual(keys, ['result_1.csv.gz', 'result_sign.json']);
      const { csv } = await verifyDelivery(base);
      const got = await run(cli, ['cloudtrail', 'get-query-results', '--query-id', QueryId, ...endpoint], {
        env,
      });
      assert.equal(got.code, 0, got.stderr);
      const cliRows = (JSON.parse(got.stdout) as { QueryResultRows: Record<string, string>[][] })
        .QueryResultRows;
      const fromCli = cliRows.map((row) => {
        const values = Object.assign({}, ...row) as Record<string, string>;
        return COLUMNS.map((c) => values[c] ?? '');
      });
      const text = csv[0] ?? '';
      assert.deepEqual(parseCsv(text.slice(text.indexOf('\n') + 1)).slice(1), fromCli);
    });
  }

  it('a missing bucket or a malformed DeliveryS3Uri is refused with AWS error codes', async () => {
    const missing = await errorOf(
      client.send(
        new StartQueryCommand({ QueryStatement: statement(), DeliveryS3Uri: 's3://no-such-results/x' }),
      ),
    );
    assert.equal(missing.name, 'S3BucketDoesNotExistException');
    const badBucket = await errorOf(
      client.send(new StartQueryCommand({ QueryStatement: statement(), DeliveryS3Uri: 's3://Results' })),
    );
    assert.equal(badBucket.name, 'InvalidS3BucketNameException');
    const badUri = await errorOf(
      client.send(
        new StartQueryCommand({ QueryStatement: statement(), DeliveryS3Uri: `https://${RESULTS}/x` }),
      ),
    );
    assert.equal(badUri.name, 'InvalidParameterException');
    const badPrefix = await errorOf(
      client.send(
        new StartQueryCommand({ QueryStatement: statement(), DeliveryS3Uri: `s3://${RESULTS}/a//b` }),
      ),
    );
    assert.equal(badPrefix.name, 'InvalidS3PrefixException');

    const cli = await run(
      AWS_CLI_V1,
      [
        'cloudtrail',
        'start-query',
        '--query-statement',
        statement(),
        '--delivery-s3-uri',
        's3://no-such-results',
        '--endpoint-url',
        server.url,
      ],
      { env: server.awsEnv },
    );
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /S3BucketDoesNotExistException/);
  });

  it('a delivery that cannot be written is FAILED, and GetQueryResults still returns every row', async () => {
    const { QueryId } = await client.send(
      new StartQueryCommand({ QueryStatement: statement(), DeliveryS3Uri: `s3://${RESULTS}/blocked` }),
    );
    const described = await describeWhenDelivered(QueryId ?? '');
    assert.equal(described.QueryStatus, 'FINISHED');
    assert.equal(described.DeliveryStatus, 'FAILED');
    assert.equal(described.DeliveryS3Uri, `s3://${RESULTS}/blocked`);
    assert.equal(described.ErrorMessage, undefined, 'the query itself did not fail');
    queryIds.failed = QueryId ?? '';
    const rows = await resultRows(QueryId ?? '', COLUMNS);
    assert.deepEqual(
      rows.map((r) => r[0]),
      recorded.map((r) => r.eventName),
    );
    assert.equal((await bucket.get('blocked/AWSLogs')).body.toString(), 'in the way');
  });

  it('DeliveryS3Uri and DeliveryStatus survive a restart; ListQueries lists the queries', async () => {
    await server.close();
    server = await startTestServer({ dataDir });
    client = cloudTrailClient(server);
    const delivered = await client.send(new DescribeQueryCommand({ QueryId: queryIds.sdk }));
    assert.equal(delivered.DeliveryStatus, 'SUCCESS');
    assert.equal(delivered.DeliveryS3Uri, `s3://${RESULTS}/team/lake/`);
    const failed = await client.send(new DescribeQueryCommand({ QueryId: queryIds.failed }));
    assert.equal(failed.DeliveryStatus, 'FAILED');
    const undelivered = await client.send(
      new StartQueryCommand({ QueryStatement: `SELECT COUNT(*) FROM ${storeId}` }),
    );
    const plain = await describeWhenDelivered(undelivered.QueryId ?? '');
    assert.equal(plain.DeliveryS3Uri, undefined);
    assert.equal(plain.DeliveryStatus, undefined);
    const listed = await client.send(new ListQueriesCommand({ EventDataStore: storeArn }));
    const ids = new Set((listed.Queries ?? []).map((q) => q.QueryId));
    assert.ok(ids.has(queryIds.sdk) && ids.has(queryIds.failed) && ids.has(undelivered.QueryId));
  });
});
