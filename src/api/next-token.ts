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
    const dot = token.indexOf('.');
    if (dot < 0 || token.length > 512) throw new ServiceError('InvalidNextTokenException', INVALID);
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(body, scope);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ServiceError('InvalidNextTokenException', INVALID);
    }
    const [t, s, m] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [number, string, string];
    return { eventTimeMs: t, seq: BigInt(s), maxSeq: BigInt(m) };
  }
}
