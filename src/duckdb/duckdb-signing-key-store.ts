import type { SigningKeyRecord, SigningKeyStore } from '../integrity/index.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS signing_keys (
  fingerprint VARCHAR PRIMARY KEY,
  region VARCHAR NOT NULL,
  public_key VARCHAR NOT NULL,
  private_key_sealed VARCHAR NOT NULL,
  valid_from BIGINT NOT NULL,
  valid_to BIGINT NOT NULL
);
`;

export class DuckDbSigningKeyStore implements SigningKeyStore {
  private constructor(private readonly db: DuckDbDatabase) {}

  static async open(db: DuckDbDatabase): Promise<DuckDbSigningKeyStore> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbSigningKeyStore(db);
  }

  async list(region: string): Promise<SigningKeyRecord[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT * FROM signing_keys WHERE region = $1 ORDER BY valid_from', [
        region,
      ]);
      return rows.getRowObjectsJS().map((r) => ({
        region: r.region as string,
        fingerprint: r.fingerprint as string,
        publicKey: r.public_key as string,
        privateKeySealed: r.private_key_sealed as string,
        validFromMs: Number(r.valid_from),
        validToMs: Number(r.valid_to),
      }));
    });
  }

  async insert(record: SigningKeyRecord): Promise<void> {
    await this.db.withConnection((c) =>
      c.run('INSERT INTO signing_keys VALUES ($1, $2, $3, $4, $5, $6)', [
        record.fingerprint,
        record.region,
        record.publicKey,
        record.privateKeySealed,
        BigInt(record.validFromMs),
        BigInt(record.validToMs),
      ]),
    );
  }
}
