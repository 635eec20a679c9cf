import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyProvider } from '../kms/index.ts';

/**
 * The local key provider: one 256-bit master key in `<data-dir>/master.key` (mode 0600) that
 * seals secrets at rest with AES-256-GCM. Each sealed value is bound to a context string, so a
 * ciphertext copied to another row does not open there.
 */
export class LocalKeyProvider implements KeyProvider {
  private constructor(private readonly masterKey: Buffer) {}

  static async open(dataDir: string): Promise<LocalKeyProvider> {
    const path = join(dataDir, 'master.key');
    let hex: string;
    try {
      hex = (await readFile(path, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      hex = randomBytes(32).toString('hex');
      await writeFile(path, `${hex}\n`, { mode: 0o600, flag: 'wx' });
    }
    await chmod(path, 0o600);
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${path} does not hold a 256-bit hex key`);
    return new LocalKeyProvider(Buffer.from(hex, 'hex'));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('unknown sealed-value format');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** A key for one purpose (e.g. signing pagination tokens), derived from the master key. */
  deriveKey(purpose: string): Buffer {
    return createHmac('sha256', this.masterKey).update(`opentrail:${purpose}`).digest();
  }
}
