/**
 * Public keys held in memory: a saved `aws cloudtrail list-public-keys` answer (offline validation
 * of AWS trails) or keys a test made. Shaped as ListPublicKeys returns them: base64 PKCS#1 DER
 * `Value`, validity times as ISO 8601 text or epoch seconds, `Fingerprint`.
 */
import type { DigestPublicKey, PublicKeySource } from './trail-objects.ts';

export interface ListedPublicKey extends DigestPublicKey {
  validFromMs?: number;
  validToMs?: number;
}

export class PublicKeyListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublicKeyListError';
  }
}

function timeOf(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new PublicKeyListError(`${where} is not a time: ${JSON.stringify(value)}`);
  return ms;
}

/**
 * Reads ListPublicKeys output (`{"PublicKeyList": [...]}` or the bare list). The text comes from a
 * user-supplied file: every field is checked.
 */
export function parsePublicKeyList(text: string): ListedPublicKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PublicKeyListError(`not JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { PublicKeyList?: unknown } | null)?.PublicKeyList;
  if (!Array.isArray(list))
    throw new PublicKeyListError('expected {"PublicKeyList": [...]} as ListPublicKeys returns it');
  return list.map((item: unknown, i) => {
    const where = `PublicKeyList[${i}]`;
    const k = item as {
      Value?: unknown;
      Fingerprint?: unknown;
      ValidityStartTime?: unknown;
      ValidityEndTime?: unknown;
    };
    if (typeof k?.Value !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(k.Value))
      throw new PublicKeyListError(`${where}.Value must be the base64 PKCS#1 DER key`);
    if (typeof k.Fingerprint !== 'string' || k.Fingerprint === '')
      throw new PublicKeyListError(`${where}.Fingerprint must be the key's fingerprint`);
    const validFromMs = timeOf(k.ValidityStartTime, `${where}.ValidityStartTime`);
    const validToMs = timeOf(k.ValidityEndTime, `${where}.ValidityEndTime`);
    return {
      fingerprint: k.Fingerprint,
      pkcs1Der: Buffer.from(k.Value, 'base64'),
      ...(validFromMs !== undefined ? { validFromMs } : {}),
      ...(validToMs !== undefined ? { validToMs } : {}),
    };
  });
}

/** A fixed set of keys, for every region, filtered by validity as ListPublicKeys filters. */
export class StaticPublicKeySource implements PublicKeySource {
  constructor(private readonly keys: readonly ListedPublicKey[]) {}

  publicKeys(_region: string, startMs: number, endMs: number): Promise<readonly DigestPublicKey[]> {
    return Promise.resolve(
      this.keys.filter((k) => (k.validFromMs ?? -Infinity) <= endMs && (k.validToMs ?? Infinity) >= startMs),
    );
  }
}
