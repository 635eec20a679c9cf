/**
 * IAM's virtual MFA device operations (CreateVirtualMFADevice, EnableMFADevice,
 * DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices) over
 * iam/mfa-devices.ts. The seed leaves the server once, in CreateVirtualMFADevice's answer (as
 * Base32 text and as a QR code PNG of its otpauth:// URI); the audit record keeps only the serial.
 *
 * The root user has MFA devices too (ROOT_USER_NAME in the device). AWS enables the root user's
 * only in its console; OpenTrail has none, so the root user calls EnableMFADevice itself, leaving
 * UserName out (the SDKs allow it) or giving `<root_account>` (the AWS CLI insists on the member),
 * and lists and deactivates its devices without UserName, as an IAM user does its own.
 */
import QRCode from 'qrcode';
import {
  ROOT_USER_NAME,
  base32Seed,
  otpauthUri,
  type MfaDevices,
  type VirtualMfaDevice,
} from '../../iam/index.ts';
import { opt, req, type IamHandler } from './operation.ts';
import { rootUserView, userView } from './views.ts';

function deviceView(device: VirtualMfaDevice): Record<string, unknown> {
  return {
    SerialNumber: device.serialNumber,
    ...(device.enabledMs !== undefined ? { EnableDate: new Date(device.enabledMs) } : {}),
  };
}

export function mfaHandlers(devices: MfaDevices): Record<string, IamHandler> {
  return {
    CreateVirtualMFADevice: async (input, { call }) => {
      const device = await devices.create({
        accountId: call.accountId,
        partition: call.partition,
        name: req(input, 'VirtualMFADeviceName'),
        ...(opt(input, 'Path') !== undefined ? { path: opt(input, 'Path') } : {}),
        nowMs: call.nowMs,
      });
      const seed = base32Seed(device.seed);
      const png = await QRCode.toBuffer(otpauthUri(device.seed, `${device.name}@${call.accountId}`));
      return {
        output: {
          VirtualMFADevice: {
            SerialNumber: device.serialNumber,
            Base32StringSeed: Buffer.from(seed, 'ascii'),
            QRCodePNG: png,
          },
        },
        record: { VirtualMFADevice: { SerialNumber: device.serialNumber } },
      };
    },
    EnableMFADevice: async (input, { iam, call }) => {
      // Without UserName (or with `<root_account>`): the root user's own device. The endpoint's
      // parse lets only the root user leave it out.
      const userName = opt(input, 'UserName') ?? call.callerUserName;
      if (userName !== ROOT_USER_NAME || call.callerUserName !== ROOT_USER_NAME) iam.user(call, userName);
      await devices.enable({
        accountId: call.accountId,
        userName,
        serialNumber: req(input, 'SerialNumber'),
        code1: req(input, 'AuthenticationCode1'),
        code2: req(input, 'AuthenticationCode2'),
        nowMs: call.nowMs,
      });
      return {};
    },
    DeactivateMFADevice: async (input, { iam, call }) => {
      const userName = opt(input, 'UserName') ?? call.callerUserName;
      if (userName !== ROOT_USER_NAME) iam.user(call, userName);
      await devices.deactivate(call.accountId, userName, req(input, 'SerialNumber'));
      return {};
    },
    DeleteVirtualMFADevice: async (input, { call }) => {
      await devices.delete(call.accountId, req(input, 'SerialNumber'));
      return {};
    },
    ListMFADevices: (input, { iam, call }) => {
      const userName = opt(input, 'UserName') ?? call.callerUserName;
      const root = userName === ROOT_USER_NAME;
      if (!root) iam.user(call, userName);
      const found = devices.forUser(call.accountId, userName);
      return Promise.resolve({
        output: {
          MFADevices: found.map((d) => ({ ...(root ? {} : { UserName: userName }), ...deviceView(d) })),
          IsTruncated: false,
        },
      });
    },
    ListVirtualMFADevices: async (input, { iam, call, accountCreatedMs }) => {
      const status = opt(input, 'AssignmentStatus') ?? 'Any';
      const found = devices
        .inAccountAll(call.accountId)
        .filter((d) => status === 'Any' || (status === 'Assigned') === (d.userName !== undefined));
      const rootCreatedMs = found.some((d) => d.userName === ROOT_USER_NAME)
        ? await accountCreatedMs?.(call.accountId)
        : undefined;
      const userOf = (userName: string): Record<string, unknown> =>
        userName === ROOT_USER_NAME
          ? rootUserView(call, rootCreatedMs)
          : userView(iam, call, iam.user(call, userName), false);
      return {
        output: {
          VirtualMFADevices: found.map((d) => ({
            ...deviceView(d),
            ...(d.userName !== undefined ? { User: userOf(d.userName) } : {}),
          })),
          IsTruncated: false,
        },
      };
    },
  };
}
