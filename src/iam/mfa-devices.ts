/**
 * Virtual MFA devices, as IAM keeps them: a device is created in an account with a TOTP seed
 * (shown once), enabled for one user with two consecutive codes, and then proves a code for
 * GetSessionToken and for MFA-protected actions. Each accepted code's time step is remembered, so
 * no code is accepted twice. Seeds are sealed at rest by the store adapter.
 */
import { ServiceError } from '../errors.ts';
import { formatArn } from '../events/index.ts';
import { TOTP_PERIOD_S, newMfaSeed, totpCode, verifyTotp } from './totp.ts';

export interface VirtualMfaDevice {
  accountId: string;
  /** arn:aws:iam::ACCOUNT:mfa/PATH/NAME */
  serialNumber: string;
  path: string;
  name: string;
  seed: Uint8Array;
  createdMs: number;
  /** The user the device is enabled for. */
  userName?: string;
  enabledMs?: number;
  /** The time step of the last code accepted (replay protection). */
  lastTimeStep?: number;
}

/** Where virtual MFA devices persist. */
export interface MfaDeviceStore {
  loadAll(): Promise<VirtualMfaDevice[]>;
  put(device: VirtualMfaDevice): Promise<void>;
  delete(serialNumber: string): Promise<void>;
}

/** AWS: a user may have up to 8 MFA devices of any type. */
export const MAX_MFA_DEVICES_PER_USER = 8;
const NAME = /^[\w+=,.@-]{1,226}$/;
const PATH = /^\/([\x21-\x7e]*\/)?$/;

function noSuchDevice(serialNumber: string): ServiceError {
  return new ServiceError(
    'NoSuchEntityException',
    `MFA Device with serial number ${serialNumber} does not exist.`,
    {
      httpStatus: 404,
    },
  );
}

/**
 * The step of `code2` when `code1` and `code2` are the device's codes of two steps in a row,
 * the first at most two steps before now (it was read, then the next one waited for) and the
 * second at most one step ahead (a fast clock); otherwise undefined.
 */
function consecutiveCodesStep(
  seed: Uint8Array,
  code1: string,
  code2: string,
  nowMs: number,
): number | undefined {
  const periodMs = TOTP_PERIOD_S * 1000;
  const now = Math.floor(nowMs / periodMs);
  for (let step = now - 2; step <= now; step++) {
    if (totpCode(seed, step * periodMs) === code1 && totpCode(seed, (step + 1) * periodMs) === code2)
      return step + 1;
  }
  return undefined;
}

export class MfaDevices {
  private readonly devices = new Map<string, VirtualMfaDevice>();

  private constructor(private readonly store: MfaDeviceStore) {}

  static async open(store: MfaDeviceStore): Promise<MfaDevices> {
    const service = new MfaDevices(store);
    for (const device of await store.loadAll()) service.devices.set(device.serialNumber, device);
    return service;
  }

  /** CreateVirtualMFADevice: a new, unassigned device and its seed. */
  async create(options: {
    accountId: string;
    partition: string;
    name: string;
    path?: string;
    nowMs: number;
  }): Promise<VirtualMfaDevice> {
    const path = options.path ?? '/';
    if (!NAME.test(options.name)) {
      throw new ServiceError(
        'ValidationError',
        `1 validation error detected: Value '${options.name}' at 'virtualMFADeviceName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
      );
    }
    if (!PATH.test(path) || path.length > 512) {
      throw new ServiceError(
        'ValidationError',
        `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
      );
    }
    const serialNumber = formatArn({
      partition: options.partition,
      service: 'iam',
      region: '',
      accountId: options.accountId,
      resource: `mfa${path}${options.name}`,
    });
    if (this.devices.has(serialNumber)) {
      throw new ServiceError(
        'EntityAlreadyExistsException',
        'MFADevice entity at the same path and name already exists.',
        {
          httpStatus: 409,
        },
      );
    }
    const device: VirtualMfaDevice = {
      accountId: options.accountId,
      serialNumber,
      path,
      name: options.name,
      seed: newMfaSeed(),
      createdMs: options.nowMs,
    };
    await this.store.put(device);
    this.devices.set(serialNumber, device);
    return device;
  }

  /** EnableMFADevice: two consecutive codes of the device make it the user's. */
  async enable(options: {
    accountId: string;
    userName: string;
    serialNumber: string;
    code1: string;
    code2: string;
    nowMs: number;
  }): Promise<void> {
    const device = this.inAccount(options.accountId, options.serialNumber);
    if (device.userName !== undefined) {
      throw new ServiceError('EntityAlreadyExistsException', 'MFA Device is already in use.', {
        httpStatus: 409,
      });
    }
    if (this.forUser(options.accountId, options.userName).length >= MAX_MFA_DEVICES_PER_USER) {
      throw new ServiceError(
        'LimitExceededException',
        `Cannot exceed quota for MFADevicesPerUser: ${MAX_MFA_DEVICES_PER_USER}`,
        { httpStatus: 409 },
      );
    }
    const step2 = consecutiveCodesStep(device.seed, options.code1, options.code2, options.nowMs);
    if (step2 === undefined) {
      throw new ServiceError(
        'InvalidAuthenticationCodeException',
        'Authentication code for device is not valid.',
        {
          httpStatus: 403,
        },
      );
    }
    await this.save({ ...device, userName: options.userName, enabledMs: options.nowMs, lastTimeStep: step2 });
  }

  /** DeactivateMFADevice: the device is no longer the user's (it stays in the account). */
  async deactivate(accountId: string, userName: string, serialNumber: string): Promise<void> {
    const device = this.inAccount(accountId, serialNumber);
    if (device.userName !== userName) throw noSuchDevice(serialNumber);
    const { userName: _u, enabledMs: _e, ...rest } = device;
    await this.save(rest);
  }

  /** DeleteVirtualMFADevice: only a device that is not enabled for a user. */
  async delete(accountId: string, serialNumber: string): Promise<void> {
    const device = this.inAccount(accountId, serialNumber);
    if (device.userName !== undefined) {
      throw new ServiceError('DeleteConflictException', 'MFA Device is in use. Deactivate it first.', {
        httpStatus: 409,
      });
    }
    await this.store.delete(serialNumber);
    this.devices.delete(serialNumber);
  }

  forUser(accountId: string, userName: string): VirtualMfaDevice[] {
    return [...this.devices.values()].filter((d) => d.accountId === accountId && d.userName === userName);
  }

  inAccountAll(accountId: string): VirtualMfaDevice[] {
    return [...this.devices.values()].filter((d) => d.accountId === accountId);
  }

  /**
   * Whether `code` is the current code of the user's device `serialNumber`; an accepted code's
   * step is remembered, so the same code (or an older one) fails afterwards.
   */
  async verify(options: {
    accountId: string;
    userName: string;
    serialNumber: string;
    code: string;
    nowMs: number;
  }): Promise<boolean> {
    const device = this.devices.get(options.serialNumber);
    if (!device || device.accountId !== options.accountId || device.userName !== options.userName)
      return false;
    const step = verifyTotp(device.seed, options.code, options.nowMs, device.lastTimeStep);
    if (step === undefined) return false;
    await this.save({ ...device, lastTimeStep: step });
    return true;
  }

  private inAccount(accountId: string, serialNumber: string): VirtualMfaDevice {
    const device = this.devices.get(serialNumber);
    if (!device || device.accountId !== accountId) throw noSuchDevice(serialNumber);
    return device;
  }

  private async save(device: VirtualMfaDevice): Promise<void> {
    await this.store.put(device);
    this.devices.set(device.serialNumber, device);
  }
}
