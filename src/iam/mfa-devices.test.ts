import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { ServiceError } from '../errors.ts';
import { MfaDevices, type MfaDeviceStore, type VirtualMfaDevice } from './mfa-devices.ts';

const ACCOUNT = '111122223333';
const NOW = Date.UTC(2026, 11, 4, 12, 0, 10);

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), written from the RFC, independent of the code under test. */
function rfcTotp(seed: Uint8Array, ms: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const mac = createHmac('sha1', seed).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

function memoryStore(): MfaDeviceStore & { rows: Map<string, VirtualMfaDevice> } {
  const rows = new Map<string, VirtualMfaDevice>();
  return {
    rows,
    loadAll: () => Promise.resolve([...rows.values()]),
    put: (d) => Promise.resolve(void rows.set(d.serialNumber, d)),
    delete: (s) => Promise.resolve(void rows.delete(s)),
  };
}

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ServiceError, String(error));
    return error.code;
  }
  return 'no error';
}

describe('virtual MFA devices', () => {
  it('are enabled with two consecutive codes, then verify each code once', async () => {
    const store = memoryStore();
    const devices = await MfaDevices.open(store);
    const device = await devices.create({
      accountId: ACCOUNT,
      partition: 'aws',
      name: 'alice-phone',
      nowMs: NOW,
    });
    assert.equal(device.serialNumber, `arn:aws:iam::${ACCOUNT}:mfa/alice-phone`);
    assert.equal(device.seed.length, 20);
    await devices.enable({
      accountId: ACCOUNT,
      userName: 'alice',
      serialNumber: device.serialNumber,
      code1: rfcTotp(device.seed, NOW - 30_000),
      code2: rfcTotp(device.seed, NOW),
      nowMs: NOW,
    });
    assert.deepEqual(
      devices.forUser(ACCOUNT, 'alice').map((d) => d.serialNumber),
      [device.serialNumber],
    );
    const later = NOW + 60_000;
    const code = rfcTotp(device.seed, later);
    const verify = () =>
      devices.verify({
        accountId: ACCOUNT,
        userName: 'alice',
        serialNumber: device.serialNumber,
        code,
        nowMs: later,
      });
    assert.equal(await verify(), true);
    assert.equal(await verify(), false, 'a code is accepted once');
    assert.equal(
      await devices.verify({
        accountId: ACCOUNT,
        userName: 'bob',
        serialNumber: device.serialNumber,
        code,
        nowMs: later,
      }),
      false,
      "another user's device",
    );
    const reopened = await MfaDevices.open(store);
    assert.equal(
      reopened.forUser(ACCOUNT, 'alice')[0]?.lastTimeStep,
      Math.floor(later / 30_000),
      'persisted',
    );
  });

  it('refuses codes that are not two consecutive ones of the device', async () => {
    const devices = await MfaDevices.open(memoryStore());
    const device = await devices.create({ accountId: ACCOUNT, partition: 'aws', name: 'phone', nowMs: NOW });
    const enable = (code1: string, code2: string) =>
      devices.enable({
        accountId: ACCOUNT,
        userName: 'alice',
        serialNumber: device.serialNumber,
        code1,
        code2,
        nowMs: NOW,
      });
    assert.equal(
      await codeOf(enable(rfcTotp(device.seed, NOW), rfcTotp(device.seed, NOW))),
      'InvalidAuthenticationCodeException',
    );
    assert.equal(
      await codeOf(enable(rfcTotp(device.seed, NOW - 30_000), rfcTotp(device.seed, NOW + 30_000))),
      'InvalidAuthenticationCodeException',
    );
    assert.equal(await codeOf(enable('000000', '111111')), 'InvalidAuthenticationCodeException');
  });

  it('keeps names unique, and deletes only a device no user has', async () => {
    const devices = await MfaDevices.open(memoryStore());
    const device = await devices.create({ accountId: ACCOUNT, partition: 'aws', name: 'phone', nowMs: NOW });
    assert.equal(
      await codeOf(devices.create({ accountId: ACCOUNT, partition: 'aws', name: 'phone', nowMs: NOW })),
      'EntityAlreadyExistsException',
    );
    await devices.enable({
      accountId: ACCOUNT,
      userName: 'alice',
      serialNumber: device.serialNumber,
      code1: rfcTotp(device.seed, NOW - 30_000),
      code2: rfcTotp(device.seed, NOW),
      nowMs: NOW,
    });
    assert.equal(await codeOf(devices.delete(ACCOUNT, device.serialNumber)), 'DeleteConflictException');
    await devices.deactivate(ACCOUNT, 'alice', device.serialNumber);
    await devices.delete(ACCOUNT, device.serialNumber);
    assert.equal(await codeOf(devices.delete(ACCOUNT, device.serialNumber)), 'NoSuchEntityException');
  });
});
