/**
 * GETs of S3 objects over node:http(s), for reading many objects fast. The SDK's client spends
 * about a millisecond of CPU on each GetObject (endpoint rules, middleware, checksums, user agent),
 * which capped `opentrail validate` at about a thousand log files a second per core: validating a
 * trail of 2,109 files on s3rver took 2.1 s, 2.3 s of it the client's CPU.
 *
 * Where and how a bucket's requests go is not worked out here. A middleware on the SDK client
 * notes, per bucket, the endpoint, path and signing region of the SDK's latest successful request
 * for an object of it; a lean GET repeats them, signed by sigv4-signer.ts. So custom endpoints,
 * FIPS and dual-stack endpoints, path or virtual-hosted style and region redirects all stay the
 * SDK's decisions. Only an answer of 200, or 404 NoSuchKey, is taken; anything else (redirects,
 * throttling, expired credentials, network errors) is left to the SDK to retry or explain.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { exchange } from './http-exchange.ts';
import { EMPTY_PAYLOAD_SHA256, encodeUriComponentV4, signRequestV4 } from './sigv4-signer.ts';

/** Where the SDK sent a bucket's object requests. */
interface BucketAddress {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number | undefined;
  /** The Host header it signed (hostname, with a port that is not the protocol's). */
  host: string;
  /** What comes before `/<encoded key>` in the path: '' (virtual-hosted) or '/<bucket>'. */
  pathPrefix: string;
  region: string;
}

/** The subset of the SDK's HttpRequest the middleware reads. */
interface SentRequest {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
  headers?: Record<string, string>;
}

/** A key as S3 paths carry it: each segment percent-encoded, slashes kept. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeUriComponentV4).join('/');
}

const CREDENTIAL_SCOPE = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request,/;

/** The address of a request the SDK sent for `key` of a bucket, if a lean GET can repeat it. */
function addressOf(request: SentRequest, key: string): BucketAddress | undefined {
  const { protocol, hostname, path, headers } = request;
  if ((protocol !== 'http:' && protocol !== 'https:') || !hostname || !path) return undefined;
  const region = CREDENTIAL_SCOPE.exec(headers?.authorization ?? '')?.[1];
  const host = headers?.host ?? headers?.Host;
  const suffix = `/${encodeKey(key)}`;
  if (!region || !host || !path.endsWith(suffix)) return undefined;
  return {
    protocol,
    hostname,
    port: request.port,
    host,
    pathPrefix: path.slice(0, path.length - suffix.length),
    region,
  };
}

/**
 * Lean GETs of a bucket that fail this many times in a row leave its reads to the SDK for
 * RETRY_AFTER_MS (a long-running server tries again then).
 */
const MAX_FAILURES = 3;
const RETRY_AFTER_MS = 5 * 60_000;
/** A lean GET that has not finished by then is abandoned for the SDK. */
const TIMEOUT_MS = 30_000;

const getters = new WeakMap<S3Client, LeanGetter>();

export class LeanGetter {
  private readonly addresses = new Map<string, BucketAddress>();
  private readonly failures = new Map<string, { count: number; lastMs: number }>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
  /** GETs answered here rather than by the SDK. */
  leanReads = 0;

  private constructor(private readonly client: S3Client) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as { Bucket?: unknown; Key?: unknown };
        if (
          (context.commandName === 'GetObjectCommand' || context.commandName === 'HeadObjectCommand') &&
          typeof input.Bucket === 'string' &&
          typeof input.Key === 'string'
        ) {
          const address = addressOf(args.request as SentRequest, input.Key);
          if (address) this.addresses.set(input.Bucket, address);
        }
        return result;
      },
      // Around the deserializer: `next` returns only for a successful answer, and args.request
      // is the request as signed and sent.
      { step: 'deserialize', priority: 'high', name: 'opentrailLeanGetAddress' },
    );
  }

  /** The client's getter, made (and its middleware added) on first use. */
  static of(client: S3Client): LeanGetter {
    let getter = getters.get(client);
    if (!getter) {
      getter = new LeanGetter(client);
      getters.set(client, getter);
    }
    return getter;
  }

  /**
   * The object's bytes; null when S3 answers NoSuchKey; undefined when the SDK must be asked (no
   * request for the bucket seen yet, or any other answer).
   */
  async get(bucket: string, key: string): Promise<Buffer | null | undefined> {
    const address = this.addresses.get(bucket);
    const failed = this.failures.get(bucket);
    if (!address || (failed && failed.count >= MAX_FAILURES && Date.now() - failed.lastMs < RETRY_AFTER_MS))
      return undefined;
    let answer;
    try {
      answer = await this.send(address, key);
    } catch {
      answer = undefined;
    }
    let found: Buffer | null | undefined;
    if (answer?.status === 200) found = answer.body;
    else if (answer?.status === 404 && /<Code>NoSuchKey<\/Code>/.test(answer.body.toString('utf8')))
      found = null;
    if (found === undefined) {
      this.failures.set(bucket, { count: (this.failures.get(bucket)?.count ?? 0) + 1, lastMs: Date.now() });
      return undefined;
    }
    this.failures.delete(bucket);
    this.leanReads++;
    return found;
  }

  private async send(address: BucketAddress, key: string): Promise<{ status: number; body: Buffer }> {
    const credentials = await this.client.config.credentials();
    const path = `${address.pathPrefix}/${encodeKey(key)}`;
    const headers = signRequestV4(
      { method: 'GET', path, headers: { host: address.host }, payloadHash: EMPTY_PAYLOAD_SHA256 },
      // The SDK's clock offset: it learns how far off this machine's clock is from S3's answers.
      { credentials, region: address.region, service: 's3', nowMs: Date.now() + this.clockOffsetMs() },
    );
    return exchange({
      protocol: address.protocol,
      hostname: address.hostname,
      port: address.port,
      method: 'GET',
      path,
      headers,
      agent: address.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
      timeoutMs: TIMEOUT_MS,
    });
  }

  private clockOffsetMs(): number {
    const offset = (this.client.config as { systemClockOffset?: unknown }).systemClockOffset;
    return typeof offset === 'number' && Number.isFinite(offset) ? offset : 0;
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
