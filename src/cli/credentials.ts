/**
 * The key CLI commands sign with: profile `opentrail` of `<data-dir>/credentials`, else the
 * standard AWS chain. On its own, and the chain loaded only when needed, so that a command that
 * reads the file (`opentrail validate` against a local server) loads no AWS SDK package.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseIni } from 'ini';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export async function resolveCredentials(dataDir: string): Promise<Credentials> {
  try {
    const text = await readFile(join(dataDir, 'credentials'), 'utf8');
    const profile = (parseIni(text) as Record<string, Record<string, string> | undefined>).opentrail;
    if (profile?.aws_access_key_id && profile.aws_secret_access_key) {
      return { accessKeyId: profile.aws_access_key_id, secretAccessKey: profile.aws_secret_access_key };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider()();
}
