/**
 * Where `opentrail validate` reads from: buckets under `<data-dir>/buckets` when the bucket is
 * there, S3 (AWS or an S3-compatible endpoint) otherwise; trails and public keys from CloudTrail
 * (OpenTrail or AWS).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import type * as CloudTrailSdk from '@aws-sdk/client-cloudtrail';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  digestLogFile,
  parsePublicKeyList,
  type DigestPublicKey,
  type LogFileDigest,
  type PublicKeySource,
  type TrailObject,
  type TrailObjectReader,
} from '../integrity/index.ts';
import { ObjectStoreError, bucketNameProblem, type ObjectStore } from '../objects/index.ts';
import {
  LeanGetter,
  S3ObjectStore,
  exchange,
  loadS3Sdk,
  signRequestV4,
  type SigningCredentials,
} from '../aws/index.ts';
import { LocalDirObjectStore } from '../local/index.ts';
import type { LogDigestPool } from './log-digest-pool.ts';

export interface BucketReaderOptions {
  /** `<data-dir>/buckets`. */
  bucketsDir: string;
  /** Region for S3 requests (AWS S3 redirects to the bucket's own region). */
  region: string;
  /** An S3-compatible server for buckets that are not local. */
  s3Endpoint?: string | undefined;
  /** Worker threads that read and hash the log files of local buckets. */
  pool?: LogDigestPool | undefined;
}

/** The trail named `trailArn` in a DescribeTrails answer, as validation needs it. */
function describedTrail(
  trailList:
    | readonly {
        TrailARN?: string;
        S3BucketName?: string;
        S3KeyPrefix?: string;
        IsOrganizationTrail?: boolean;
      }[]
    | undefined,
  trailArn: string,
): TrailDescription | undefined {
  const trail = trailList?.find((t) => t.TrailARN === trailArn);
  return trail
    ? {
        s3BucketName: trail.S3BucketName,
        s3KeyPrefix: trail.S3KeyPrefix,
        isOrganizationTrail: trail.IsOrganizationTrail === true,
      }
    : undefined;
}

export class BucketReader implements TrailObjectReader {
  private readonly stores = new Map<string, Promise<ObjectStore>>();
  private s3: S3Client | undefined;

  constructor(private readonly options: BucketReaderOptions) {}

  /** Whether the bucket is read from the local directory. */
  async isLocal(bucket: string): Promise<boolean> {
    return (await this.storeFor(bucket)) instanceof LocalDirObjectStore;
  }

  private storeFor(bucket: string): Promise<ObjectStore> {
    let store = this.stores.get(bucket);
    if (!store) {
      store = this.openStore(bucket);
      this.stores.set(bucket, store);
    }
    return store;
  }

  private async openStore(bucket: string): Promise<ObjectStore> {
    if (bucketNameProblem(bucket) === undefined) {
      try {
        if ((await stat(join(this.options.bucketsDir, bucket))).isDirectory())
          return new LocalDirObjectStore(this.options.bucketsDir, bucket);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    // Loaded only here: a trail in a local bucket is validated without the S3 client.
    const { S3Client } = await loadS3Sdk();
    this.s3 ??= new S3Client({
      region: this.options.region,
      ...(this.options.s3Endpoint ? { endpoint: this.options.s3Endpoint, forcePathStyle: true } : {}),
      followRegionRedirects: true,
      maxAttempts: 3,
    });
    return new S3ObjectStore({ bucket, region: this.options.region, client: this.s3 });
  }

  async get(bucket: string, key: string): Promise<TrailObject | undefined> {
    const store = await this.storeFor(bucket);
    try {
      const { body, info } = await store.get(key);
      return { body, metadata: info.metadata };
    } catch (error) {
      // A key the local store cannot hold (e.g. '..' segments, named by a digest) is not there either.
      if (error instanceof ObjectStoreError && (error.code === 'NoSuchKey' || error.code === 'InvalidKey'))
        return undefined;
      throw error;
    }
  }

  async getBody(bucket: string, key: string): Promise<Uint8Array | undefined> {
    const store = await this.storeFor(bucket);
    try {
      return await store.read(key);
    } catch (error) {
      if (error instanceof ObjectStoreError && error.code === 'InvalidKey') return undefined;
      throw error;
    }
  }

  async digestLogFile(bucket: string, key: string): Promise<LogFileDigest> {
    const store = await this.storeFor(bucket);
    const pool = this.options.pool;
    if (pool && store instanceof LocalDirObjectStore) {
      const path = store.filePathOf(key);
      // A key the local store cannot hold is not there (as getBody says).
      return path === undefined ? { kind: 'missing' } : pool.digest(path);
    }
    return digestLogFile(await this.getBody(bucket, key));
  }

  async *list(bucket: string, prefix: string): AsyncIterable<string> {
    const store = await this.storeFor(bucket);
    yield* store.listKeys(prefix);
  }

  close(): void {
    if (this.s3) LeanGetter.of(this.s3).destroy();
    this.s3?.destroy();
  }
}

/** What validation needs to know of a trail: DescribeTrails' answer. */
export interface TrailDescription {
  s3BucketName?: string | undefined;
  s3KeyPrefix?: string | undefined;
  isOrganizationTrail: boolean;
}

/** The CloudTrail calls validation makes, each sent to the region given. */
export interface TrailApi extends PublicKeySource {
  /** DescribeTrails of one trail (shadow trails included), or undefined when there is none. */
  describeTrail(region: string, trailArn: string): Promise<TrailDescription | undefined>;
  /** GetTrailStatus' LatestDigestDeliveryTime. */
  latestDigestDeliveryMs(region: string, trailArn: string): Promise<number | undefined>;
  close(): void;
}

/** A CloudTrail error answer, named by its code as the AWS SDK names them. */
export class CloudTrailApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = code;
  }
}

const TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';
const MAX_ATTEMPTS = 3;

/**
 * CloudTrail's JSON 1.1 protocol over node:http, SigV4-signed: the three calls validation makes of
 * an OpenTrail server. Loading the SDK's CloudTrail client takes ~80 ms, longer than validating a
 * local trail of 2,000 log files; AWS itself is reached through the SDK (SdkTrailApi).
 */
export class JsonTrailApi implements TrailApi {
  private readonly url: URL;
  private readonly agent: HttpAgent;

  constructor(
    endpointUrl: string,
    private readonly credentials: SigningCredentials,
  ) {
    this.url = new URL(endpointUrl);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:')
      throw new Error(`endpoint must be an http or https URL: ${endpointUrl}`);
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true })
        : new HttpAgent({ keepAlive: true });
  }

  private async call(region: string, operation: string, input: object): Promise<unknown> {
    const body = JSON.stringify(input);
    const path = this.url.pathname || '/';
    for (let attempt = 1; ; attempt++) {
      const headers = signRequestV4(
        {
          method: 'POST',
          path,
          headers: {
            host: this.url.host,
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': TARGET_PREFIX + operation,
          },
          payloadHash: createHash('sha256').update(body).digest('hex'),
        },
        { credentials: this.credentials, region, service: 'cloudtrail', nowMs: Date.now() },
      );
      let status: number;
      let text: string;
      try {
        ({ status, text } = await this.post(path, headers, body));
      } catch (error) {
        if (attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      if (status >= 200 && status < 300) return JSON.parse(text) as unknown;
      let code = `HTTP ${status}`;
      let message = text;
      try {
        const answer = JSON.parse(text) as { __type?: unknown; message?: unknown; Message?: unknown };
        // `__type` may carry a namespace: `com.amazonaws...#TrailNotFoundException`.
        if (typeof answer.__type === 'string') code = answer.__type.slice(answer.__type.lastIndexOf('#') + 1);
        const said = answer.message ?? answer.Message;
        if (typeof said === 'string') message = said;
      } catch {
        // not JSON: report the text as it came
      }
      if ((status >= 500 || code === 'ThrottlingException') && attempt < MAX_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        continue;
      }
      throw new CloudTrailApiError(code, message, status);
    }
  }

  private async post(
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; text: string }> {
    const answer = await exchange({
      protocol: this.url.protocol as 'http:' | 'https:',
      hostname: this.url.hostname,
      port: this.url.port,
      method: 'POST',
      path,
      headers,
      body,
      agent: this.agent,
    });
    return { status: answer.status, text: answer.body.toString('utf8') };
  }

  async describeTrail(region: string, trailArn: string): Promise<TrailDescription | undefined> {
    const out = (await this.call(region, 'DescribeTrails', {
      trailNameList: [trailArn],
      includeShadowTrails: true,
    })) as {
      trailList?: {
        TrailARN?: string;
        S3BucketName?: string;
        S3KeyPrefix?: string;
        IsOrganizationTrail?: boolean;
      }[];
    };
    return describedTrail(out.trailList, trailArn);
  }

  async latestDigestDeliveryMs(region: string, trailArn: string): Promise<number | undefined> {
    const out = (await this.call(region, 'GetTrailStatus', { Name: trailArn })) as {
      LatestDigestDeliveryTime?: unknown;
    };
    // JSON 1.1 timestamps are epoch seconds.
    const seconds = out.LatestDigestDeliveryTime;
    return typeof seconds === 'number' ? Math.round(seconds * 1000) : undefined;
  }

  async publicKeys(region: string, startMs: number, endMs: number): Promise<readonly DigestPublicKey[]> {
    const keys: DigestPublicKey[] = [];
    let token: string | undefined;
    do {
      const page = (await this.call(region, 'ListPublicKeys', {
        StartTime: startMs / 1000,
        EndTime: endMs / 1000,
        ...(token ? { NextToken: token } : {}),
      })) as { PublicKeyList?: unknown; NextToken?: unknown };
      keys.push(...parsePublicKeyList(JSON.stringify({ PublicKeyList: page.PublicKeyList ?? [] })));
      token = typeof page.NextToken === 'string' && page.NextToken !== '' ? page.NextToken : undefined;
    } while (token);
    return keys;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** AWS CloudTrail through the AWS SDK (endpoints, the credential chain, retries), a client per region. */
export class SdkTrailApi implements TrailApi {
  private readonly clients = new Map<string, CloudTrailClient>();

  private constructor(
    private readonly sdk: typeof CloudTrailSdk,
    private readonly endpoint: string | undefined,
  ) {}

  /** `endpoint`: an AWS endpoint URL, or undefined for the region's own. */
  static async create(endpoint: string | undefined): Promise<SdkTrailApi> {
    return new SdkTrailApi(await import('@aws-sdk/client-cloudtrail'), endpoint);
  }

  private client(region: string): CloudTrailClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new this.sdk.CloudTrailClient({
        region,
        ...(this.endpoint ? { endpoint: this.endpoint } : {}),
        maxAttempts: MAX_ATTEMPTS,
      });
      this.clients.set(region, client);
    }
    return client;
  }

  async describeTrail(region: string, trailArn: string): Promise<TrailDescription | undefined> {
    const out = await this.client(region).send(
      new this.sdk.DescribeTrailsCommand({ trailNameList: [trailArn], includeShadowTrails: true }),
    );
    return describedTrail(out.trailList, trailArn);
  }

  async latestDigestDeliveryMs(region: string, trailArn: string): Promise<number | undefined> {
    const status = await this.client(region).send(new this.sdk.GetTrailStatusCommand({ Name: trailArn }));
    return status.LatestDigestDeliveryTime?.getTime();
  }

  async publicKeys(region: string, startMs: number, endMs: number): Promise<readonly DigestPublicKey[]> {
    const client = this.client(region);
    const keys: DigestPublicKey[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new this.sdk.ListPublicKeysCommand({
          StartTime: new Date(startMs),
          EndTime: new Date(endMs),
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const k of page.PublicKeyList ?? []) {
        if (k.Value && k.Fingerprint) keys.push({ fingerprint: k.Fingerprint, pkcs1Der: k.Value });
      }
      token = page.NextToken;
    } while (token);
    return keys;
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
  }
}

/**
 * Public keys asked for before validation needs them, so the call overlaps the others: a later
 * request for the same region and times is answered by it, any other goes to the source.
 */
export class PrefetchedPublicKeys implements PublicKeySource {
  private readonly early: Promise<readonly DigestPublicKey[]>;

  constructor(
    private readonly source: PublicKeySource,
    private readonly request: { region: string; startMs: number; endMs: number },
  ) {
    this.early = source.publicKeys(request.region, request.startMs, request.endMs);
    // Awaited when asked for; a failure before then must not count as unhandled.
    this.early.catch(() => undefined);
  }

  publicKeys(region: string, startMs: number, endMs: number): Promise<readonly DigestPublicKey[]> {
    const r = this.request;
    if (region === r.region && startMs === r.startMs && endMs === r.endMs) return this.early;
    return this.source.publicKeys(region, startMs, endMs);
  }
}
