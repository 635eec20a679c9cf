/**
 * The public keys one validation checks a region's digests with. Like AWS's validator it asks for
 * the keys of the whole validated range once, up front; a backfill digest may be signed with a key
 * of long after that range, so a fingerprint not yet known is sought around the digest's
 * generation time. Keys are checked as they are used: a key source (a saved ListPublicKeys answer
 * among them) may hold bytes that are no RSA key.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { DigestKeys, KeyLookup } from './digest-signature.ts';
import type { DigestPublicKey, PublicKeySource } from './trail-objects.ts';

const HOUR_MS = 3_600_000;

export class DigestKeyRing implements DigestKeys {
  private readonly publicKeys = new Map<string, DigestPublicKey>();
  private readonly keyObjects = new Map<string, KeyObject>();

  constructor(
    private readonly source: PublicKeySource,
    readonly region: string,
  ) {}

  /** Adds the region's keys valid at some moment of [startMs, endMs]; resolves to how many there were. */
  async load(startMs: number, endMs: number): Promise<number> {
    const keys = await this.source.publicKeys(this.region, startMs, endMs);
    for (const k of keys) this.publicKeys.set(k.fingerprint, k);
    return keys.length;
  }

  async find(fingerprint: string, generationMs: number | undefined): Promise<KeyLookup> {
    let publicKey = this.publicKeys.get(fingerprint);
    if (!publicKey && generationMs !== undefined) {
      await this.load(generationMs - HOUR_MS, generationMs + HOUR_MS);
      publicKey = this.publicKeys.get(fingerprint);
    }
    if (!publicKey) return { kind: 'not-found' };
    let key = this.keyObjects.get(fingerprint);
    if (!key) {
      try {
        key = createPublicKey({ key: Buffer.from(publicKey.pkcs1Der), format: 'der', type: 'pkcs1' });
      } catch {
        return { kind: 'unreadable' };
      }
      this.keyObjects.set(fingerprint, key);
    }
    return { kind: 'found', key };
  }
}
