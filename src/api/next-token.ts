import { createHmac, timingSafeEqual } from 'node:crypto';
import { ServiceError } from '../errors.ts';

/** What a LookupEvents page token carries: where the next page starts and the snapshot it reads. */
export interface PagePosition {
  eventTimeMs: number;
  seq: bigint;
  maxSeq: bigint;
}

const INVALID =
  'A token that is not valid, or a token that was previously used in a request with different parameters.';

/**
 * Pagination tokens are opaque to callers and signed, so a forged or edited token, or one reused
 * with other request parameters, is refused with InvalidNextTokenException.
 */
export class NextTokenCodec {
  constructor(private readonly key: Buffer) {}

  private mac(body: string, scope: string): Buffer {
    return createHmac('sha256', this.key).update(scope).update('\n').update(body).digest().subarray(0, 16);
  }

  encode(position: PagePosition, scope: string): string {
    const body = Buffer.from(
      JSON.stringify([position.eventTimeMs, position.seq.toString(), position.maxSeq.toString()]),
    ).toString('base64url');
    return `${body}.${this.mac(body, scope).toString('base64url')}`;
  }

  decode(token: string, scope: string): PagePosition {
    const [t, s, m] = JSON.parse(this.verified(token, scope)) as [number, string, string];
    return { eventTimeMs: t, seq: BigInt(s), maxSeq: BigInt(m) };
  }

  /** The token's body once its MAC checks out for this scope; InvalidNextTokenException otherwise. */
  private verified(token: string, scope: string): string {
    const dot = token.indexOf('.');
    if (dot < 0 || token.length > 1000) throw new ServiceError('InvalidNextTokenException', INVALID);
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(body, scope);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ServiceError('InvalidNextTokenException', INVALID);
    }
    return Buffer.from(body, 'base64url').toString('utf8');
  }

  /** A token for list operations that page by a plain position (an offset or the last key seen). */
  encodeKey(key: string, scope: string): string {
    const body = Buffer.from(key, 'utf8').toString('base64url');
    return `${body}.${this.mac(body, scope).toString('base64url')}`;
  }

  decodeKey(token: string, scope: string): string {
    return this.verified(token, scope);
  }
}
