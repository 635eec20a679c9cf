/**
 * MFA for tests: TOTP codes computed from RFC 6238 here, not by OpenTrail, and a virtual MFA device
 * created and enabled for a user through the AWS CLI as a user would.
 */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { base32 } from '@scure/base';
import { AWS_CLI_V1 } from './run.ts';

/** RFC 6238 TOTP (SHA-1, six digits, 30-second steps) for step `step`. */
export function totp(seed: Uint8Array, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', seed).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** The TOTP step of now. */
export const stepNow = (): number => Math.floor(Date.now() / 30_000);

/**
 * Creates a virtual MFA device (its Base32 seed written to `seedFile`) and enables it for
 * `userName` with the codes of the two steps before now, so the current step's code is still unused
 * (`lastUsedStep`: the step whose code was spent last).
 * `cli` runs the AWS CLI (`aws` or /usr/bin/aws with the test's endpoint and credentials) and
 * answers its JSON output.
 */
export async function enabledMfaDevice(
  cli: (aws: string, args: string[]) => Promise<unknown>,
  options: { deviceName: string; userName: string; seedFile: string },
): Promise<{ serial: string; seed: Uint8Array; lastUsedStep: number }> {
  const created = (await cli(AWS_CLI_V1, [
    'iam',
    'create-virtual-mfa-device',
    '--virtual-mfa-device-name',
    options.deviceName,
    '--outfile',
    options.seedFile,
    '--bootstrap-method',
    'Base32StringSeed',
  ])) as { VirtualMFADevice: { SerialNumber: string } };
  const serial = created.VirtualMFADevice.SerialNumber;
  const seed = base32.decode((await readFile(options.seedFile, 'utf8')).trim());
  const step = stepNow();
  await cli(AWS_CLI_V1, [
    'iam',
    'enable-mfa-device',
    '--user-name',
    options.userName,
    '--serial-number',
    serial,
    '--authentication-code1',
    totp(seed, step - 2),
    '--authentication-code2',
    totp(seed, step - 1),
  ]);
  return { serial, seed, lastUsedStep: step - 1 };
}
