import type { KeyProvider } from '../kms/index.ts';
import type { MfaDeviceStore, VirtualMfaDevice } from '../iam/index.ts';
import type { DuckDbDatabase } from './database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS mfa_devices (
  serial_number VARCHAR PRIMARY KEY,
  account_id VARCHAR NOT NULL,
  path VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  seed_sealed VARCHAR NOT NULL,
  created_at BIGINT NOT NULL,
  user_name VARCHAR,
  enabled_at BIGINT,
  last_time_step BIGINT
);
`;

const SEAL_CONTEXT = 'mfa-device-seed';

/** Virtual MFA devices; seeds are sealed by the key provider at rest. */
export class DuckDbMfaDeviceStore implements MfaDeviceStore {
  private constructor(
    private readonly db: DuckDbDatabase,
    private readonly keys: KeyProvider,
  ) {}

  static async open(db: DuckDbDatabase, keys: KeyProvider): Promise<DuckDbMfaDeviceStore> {
    await db.withConnection((c) => c.run(SCHEMA));
    return new DuckDbMfaDeviceStore(db, keys);
  }

  async loadAll(): Promise<VirtualMfaDevice[]> {
    return this.db.withConnection(async (c) => {
      const rows = await c.runAndReadAll('SELECT * FROM mfa_devices ORDER BY created_at');
      return rows.getRowObjectsJS().map((r) => ({
        serialNumber: r.serial_number as string,
        accountId: r.account_id as string,
        path: r.path as string,
        name: r.name as string,
        seed: new Uint8Array(
          Buffer.from(
            this.keys.open(r.seed_sealed as string, `${SEAL_CONTEXT}:${r.serial_number as string}`),
            'base64',
          ),
        ),
        createdMs: Number(r.created_at),
        ...(r.user_name !== null ? { userName: r.user_name as string } : {}),
        ...(r.enabled_at !== null ? { enabledMs: Number(r.enabled_at) } : {}),
        ...(r.last_time_step !== null ? { lastTimeStep: Number(r.last_time_step) } : {}),
      }));
    });
  }

  async put(device: VirtualMfaDevice): Promise<void> {
    const sealed = this.keys.seal(
      Buffer.from(device.seed).toString('base64'),
      `${SEAL_CONTEXT}:${device.serialNumber}`,
    );
    await this.db.withConnection((c) =>
      c.run('INSERT OR REPLACE INTO mfa_devices VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        device.serialNumber,
        device.accountId,
        device.path,
        device.name,
        sealed,
        BigInt(device.createdMs),
        device.userName ?? null,
        device.enabledMs !== undefined ? BigInt(device.enabledMs) : null,
        device.lastTimeStep !== undefined ? BigInt(device.lastTimeStep) : null,
      ]),
    );
  }

  async delete(serialNumber: string): Promise<void> {
    await this.db.withConnection((c) =>
      c.run('DELETE FROM mfa_devices WHERE serial_number = $1', [serialNumber]),
    );
  }
}
