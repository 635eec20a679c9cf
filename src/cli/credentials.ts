/**
 * The key CLI commands sign with: profile `opentrail` of `<data-dir>/credentials` (or the root
 * user's, profile `opentrail-root` of `<data-dir>/root-credentials`, when asked), else the
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

/** The key of `profile` in the credentials file at `path`; undefined when there is none. */
async function profileKey(path: string, profile: string): Promise<Credentials | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const section = (parseIni(text) as Record<string, Record<string, string> | undefined>)[profile];
    if (section?.aws_access_key_id && section.aws_secret_access_key) {
      return { accessKeyId: section.aws_access_key_id, secretAccessKey: section.aws_secret_access_key };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return undefined;
}

export async function resolveCredentials(dataDir: string): Promise<Credentials> {
  const key = await profileKey(join(dataDir, 'credentials'), 'opentrail');
  if (key) return key;
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider()();
}

/**
 * The root user's key: profile `opentrail-root` of `<data-dir>/root-credentials`, which the server
 * writes while the root user has an active key.
 */
export async function resolveRootCredentials(dataDir: string): Promise<Credentials> {
  const path = join(dataDir, 'root-credentials');
  const key = await profileKey(path, 'opentrail-root');
  if (!key) {
    throw new Error(
      `no root user key in ${path} (profile opentrail-root): the server writes it while the root user has an active access key`,
    );
  }
  return key;
}
