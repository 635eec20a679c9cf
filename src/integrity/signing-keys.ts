/**
 * Digest signing keys: one RSA 2048 key pair per region at a time, as CloudTrail keeps them
 * ("each digest file is signed with a private key unique to its Region"). A key signs for
 * `rotationDays`, then a new one takes over; old public keys stay listed by ListPublicKeys for
 * the time they were valid, so digests signed with them still validate. Private keys are kept
 * sealed by the key provider.
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import pLimit from 'p-limit';
import { pkcs1Der, publicKeyFingerprint } from './digest-file.ts';

export interface SigningKeyRecord {
  region: string;
  fingerprint: string;
  /** PKCS#1 DER public key, base64. */
  publicKey: string;
  /** The PKCS#8 PEM private key, sealed. */
  privateKeySealed: string;
  validFromMs: number;
  validToMs: number;
}

export interface SigningKeyStore {
  list(region: string): Promise<SigningKeyRecord[]>;
  insert(record: SigningKeyRecord): Promise<void>;
}

export interface Sealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export interface PublicKeyInfo {
  fingerprint: string;
  publicKeyDer: Buffer;
  validFromMs: number;
  validToMs: number;
}

export interface ActiveSigningKey {
  fingerprint: string;
  sign(data: string): string;
}

const DAY_MS = 86_400_000;

export class SigningKeyRing {
  private readonly active = new Map<string, { record: SigningKeyRecord; privateKey: KeyObject }>();
  /** One lookup at a time, so concurrent callers never create two keys for a region. */
  private readonly serial = pLimit(1);

  constructor(
    private readonly store: SigningKeyStore,
    private readonly sealer: Sealer,
    private readonly options: { rotationDays: number; now: () => number },
  ) {}

  /** The key that signs a region's digests now, created or rotated when due. */
  current(region: string): Promise<ActiveSigningKey> {
    return this.serial(() => this.currentNow(region));
  }

  private async currentNow(region: string): Promise<ActiveSigningKey> {
    const now = this.options.now();
    let entry = this.active.get(region);
    if (!entry || entry.record.validToMs <= now) {
      const stored = (await this.store.list(region)).find((k) => k.validFromMs <= now && now < k.validToMs);
      const record = stored ?? (await this.create(region, now));
      const pem = this.sealer.open(record.privateKeySealed, `signing-key:${region}:${record.fingerprint}`);
      entry = { record, privateKey: createPrivateKey(pem) };
      this.active.set(region, entry);
    }
    const { record, privateKey } = entry;
    return {
      fingerprint: record.fingerprint,
      sign: (data) => sign('sha256', Buffer.from(data), privateKey).toString('hex'),
    };
  }

  private async create(region: string, now: number): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = pkcs1Der(publicKey);
    const fingerprint = publicKeyFingerprint(der);
    const record: SigningKeyRecord = {
      region,
      fingerprint,
      publicKey: der.toString('base64'),
      privateKeySealed: this.sealer.seal(
        privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        `signing-key:${region}:${fingerprint}`,
      ),
      validFromMs: now,
      validToMs: now + this.options.rotationDays * DAY_MS,
    };
    await this.store.insert(record);
    return record;
  }

  /** Public keys of a region valid at some moment of [startMs, endMs], as ListPublicKeys returns them. */
  async publicKeys(region: string, startMs: number, endMs: number): Promise<PublicKeyInfo[]> {
    return (await this.store.list(region))
      .filter((k) => k.validFromMs <= endMs && k.validToMs >= startMs)
      .sort((a, b) => a.validFromMs - b.validFromMs)
      .map((k) => ({
        fingerprint: k.fingerprint,
        publicKeyDer: Buffer.from(k.publicKey, 'base64'),
        validFromMs: k.validFromMs,
        validToMs: k.validToMs,
      }));
  }
}
