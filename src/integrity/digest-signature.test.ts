import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  verifyDigest,
  verifySignature,
  type DigestKeys,
  type DigestPlace,
  type KeyLookup,
} from './digest-signature.ts';
import { digestContent, newSigner, signedDigest, type TestSigner } from './digest.test-helpers.ts';
import type { TrailObject } from './trail-objects.ts';

const SIGNER = newSigner();
const FORGER = newSigner();
const PLACE: DigestPlace = { bucket: 'b', key: 'k', backfill: false };

/** Keys of the given signers; records what was asked. */
function keysOf(...signers: TestSigner[]): DigestKeys & { asked: [string, number | undefined][] } {
  const asked: [string, number | undefined][] = [];
  return {
    region: 'eu-west-1',
    asked,
    find: (fingerprint, generationMs): Promise<KeyLookup> => {
      asked.push([fingerprint, generationMs]);
      const signer = signers.find((s) => s.fingerprint === fingerprint);
      return Promise.resolve(signer ? { kind: 'found', key: signer.publicKey } : { kind: 'not-found' });
    },
  };
}

const KEYS = keysOf(SIGNER);

function withMetadata(object: TrailObject, metadata: Record<string, string>): TrailObject {
  return { body: object.body, metadata };
}

describe('verifyDigest()', () => {
  it('trusts a digest signed by a known key where it says it lies', async () => {
    const signed = signedDigest(digestContent(SIGNER), SIGNER);
    const verdict = await verifyDigest(signed.object, PLACE, KEYS);
    assert.equal(verdict.kind, 'trusted');
    assert.ok(verdict.kind === 'trusted');
    assert.equal(verdict.hashValue, signed.hashValue);
    assert.equal(verdict.signature, signed.signature);
    assert.equal(verdict.trailingBytes, 0);
    assert.equal(verdict.digest.digestS3Object, 'k');
  });

  it('trusts a digest with bytes appended, and counts them: the signature covers the first member', async () => {
    const signed = signedDigest(digestContent(SIGNER), SIGNER);
    const object = withMetadata(
      { body: Buffer.concat([signed.object.body, Buffer.from('junk')]), metadata: {} },
      signed.object.metadata,
    );
    const verdict = await verifyDigest(object, PLACE, KEYS);
    assert.ok(verdict.kind === 'trusted');
    assert.equal(verdict.trailingBytes, 4);
  });

  it('checks the bytes, then the signature metadata, then the fields, as AWS does', async () => {
    const signed = signedDigest(digestContent(SIGNER), SIGNER);
    assert.deepEqual(await verifyDigest({ body: Buffer.from('not gzip'), metadata: {} }, PLACE, KEYS), {
      kind: 'untrusted',
      problem: 'invalid-format',
      reason: 'invalid format',
    });
    const malformed = gzipSync(Buffer.from('{"digestS3Bucket":"b"}'));
    assert.deepEqual(await verifyDigest({ body: malformed, metadata: {} }, PLACE, KEYS), {
      kind: 'untrusted',
      problem: 'signature-missing',
      reason: 'signature verification failed (no signature metadata)',
    });
    const withSignature = await verifyDigest(
      { body: malformed, metadata: signed.object.metadata },
      PLACE,
      KEYS,
    );
    assert.equal(withSignature.kind === 'untrusted' && withSignature.problem, 'invalid-format');
  });

  it('finds a digest without either signature metadata unsigned', async () => {
    const signed = signedDigest(digestContent(SIGNER), SIGNER);
    for (const name of ['signature', 'signature-algorithm']) {
      const { [name]: _omitted, ...metadata } = signed.object.metadata;
      const verdict = await verifyDigest(withMetadata(signed.object, metadata), PLACE, KEYS);
      assert.equal(verdict.kind === 'untrusted' && verdict.problem, 'signature-missing', name);
    }
  });

  it("seeks a backfill digest's key at its generation time, and needs that time", async () => {
    const generated = '2026-03-01T00:00:00.000Z';
    const signed = signedDigest(digestContent(SIGNER), SIGNER, {
      'backfill-generation-timestamp': generated,
    });
    const keys = keysOf(SIGNER);
    const backfill = { ...PLACE, backfill: true };
    assert.equal((await verifyDigest(signed.object, backfill, keys)).kind, 'trusted');
    assert.deepEqual(keys.asked, [[SIGNER.fingerprint, Date.parse(generated)]]);

    const { 'backfill-generation-timestamp': _omitted, ...undated } = signed.object.metadata;
    for (const metadata of [undated, { ...undated, 'backfill-generation-timestamp': 'soon' }]) {
      const verdict = await verifyDigest(withMetadata(signed.object, metadata), backfill, keys);
      assert.equal(verdict.kind === 'untrusted' && verdict.problem, 'invalid-format');
    }
    await verifyDigest(signed.object, PLACE, keys);
    assert.deepEqual(keys.asked.at(-1), [SIGNER.fingerprint, undefined]);
  });

  it('finds a digest read from another bucket or key than it names moved', async () => {
    const signed = signedDigest(digestContent(SIGNER), SIGNER);
    for (const place of [
      { ...PLACE, bucket: 'other' },
      { ...PLACE, key: 'k2' },
    ]) {
      assert.deepEqual(await verifyDigest(signed.object, place, KEYS), {
        kind: 'untrusted',
        problem: 'moved',
        reason: 'has been moved from its original location',
      });
    }
  });

  it('refuses a signature algorithm other than SHA256withRSA', async () => {
    const signed = signedDigest(digestContent(SIGNER), SIGNER, { 'signature-algorithm': 'SHA1withRSA' });
    assert.deepEqual(await verifyDigest(signed.object, PLACE, KEYS), {
      kind: 'untrusted',
      problem: 'unsupported-algorithm',
      reason: 'unsupported signature algorithm SHA1withRSA (expected SHA256withRSA)',
    });
  });

  it('names the region and fingerprint of a key it has not, or cannot load', async () => {
    const forged = signedDigest(digestContent(FORGER), FORGER);
    assert.deepEqual(await verifyDigest(forged.object, PLACE, KEYS), {
      kind: 'untrusted',
      problem: 'public-key-not-found',
      reason: `public key not found in region eu-west-1 for fingerprint ${FORGER.fingerprint}`,
    });
    const unreadable: DigestKeys = {
      region: 'eu-west-1',
      find: () => Promise.resolve({ kind: 'unreadable' }),
    };
    assert.deepEqual(await verifyDigest(forged.object, PLACE, unreadable), {
      kind: 'untrusted',
      problem: 'public-key-unreadable',
      reason: `Unable to load PKCS #1 key with fingerprint ${FORGER.fingerprint}`,
    });
  });

  it('fails the signature of an edited digest, and of one signed by another key than it names', async () => {
    const signed = signedDigest(digestContent(SIGNER), SIGNER);
    const edited = { ...signed.digest, logFiles: [] };
    const failed = {
      kind: 'untrusted',
      problem: 'signature-failed',
      reason: 'signature verification failed',
    } as const;
    assert.deepEqual(
      await verifyDigest(
        withMetadata({ body: gzipSync(JSON.stringify(edited)), metadata: {} }, signed.object.metadata),
        PLACE,
        KEYS,
      ),
      failed,
    );
    const misnamed = signedDigest(digestContent(FORGER), SIGNER);
    assert.deepEqual(await verifyDigest(misnamed.object, PLACE, keysOf(SIGNER, FORGER)), failed);
  });
});

describe('verifySignature()', () => {
  const data = 'end\nb/k\nhash\nnull';
  const signature = sign('sha256', Buffer.from(data), SIGNER.privateKey).toString('hex');

  it('holds for the SHA256withRSA signature of the data, in either hex case', () => {
    assert.equal(verifySignature(SIGNER.publicKey, data, signature), true);
    assert.equal(verifySignature(SIGNER.publicKey, data, signature.toUpperCase()), true);
  });

  it('fails for other data, another key, or text that is not a hex signature', () => {
    assert.equal(verifySignature(SIGNER.publicKey, `${data}x`, signature), false);
    assert.equal(verifySignature(FORGER.publicKey, data, signature), false);
    for (const text of ['', 'abc', 'zz'.repeat(256), 'ab'.repeat(3)])
      assert.equal(verifySignature(SIGNER.publicKey, data, text), false, text);
  });

  it('is false, not an exception, for a key that cannot verify', () => {
    const { publicKey } = generateKeyPairSync('x25519');
    assert.equal(verifySignature(publicKey, data, signature), false);
  });
});
