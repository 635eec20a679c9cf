/**
 * `opentrail iam`: shortcuts for the first steps after bootstrap — who am I, a user with one of
 * the AWS managed policies and a key, a virtual MFA device enabled for a user or the root user.
 * Each step is a call to the running server's IAM or STS API (never the data directory), so it is
 * authorized and recorded like any other call.
 */
import { createInterface } from 'node:readline';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { base32 } from '@scure/base';
import { InvalidArgumentError, type Command } from 'commander';
import { parse as parseIni, stringify as stringifyIni } from 'ini';
import QRCode from 'qrcode';
import { partitionOf } from '../../events/index.ts';
import { CREDENTIALS_FILE, ROOT_CREDENTIALS_FILE, otpauthUri } from '../../iam/index.ts';
import { addClientCommand, clientOptionsOf, type ClientCommandOptions } from '../client-command.ts';
import { resolveCredentials, resolveRootCredentials } from '../credentials.ts';
import { QueryClient } from '../query-client.ts';

interface IamCommandOptions extends ClientCommandOptions {
  root?: boolean;
}

interface CreateUserOptions extends IamCommandOptions {
  policy: string;
  profile?: string;
  credentialsFile?: string;
}

interface EnableMfaOptions extends IamCommandOptions {
  user?: string;
  deviceName?: string;
}

/** The AWS managed policies `--policy` names, by their short names. */
export const POLICY_SHORT_NAMES: Readonly<Record<string, string>> = {
  ReadOnly: 'ReadOnlyAccess',
  CloudTrailReadOnly: 'AWSCloudTrail_ReadOnlyAccess',
  CloudTrailFull: 'AWSCloudTrail_FullAccess',
  Admin: 'AdministratorAccess',
};

/** The virtual MFA device name the AWS console gives the root user's device. */
const ROOT_DEVICE_NAME = 'root-account-mfa-device';

export function registerIam(program: Command): void {
  const iam = program
    .command('iam')
    .description('IAM shortcuts through the running server: whoami, create-user, enable-mfa');
  const subcommand = (name: string): Command =>
    addClientCommand(iam, name).option(
      '--root',
      `sign as the root user (<data-dir>/${ROOT_CREDENTIALS_FILE}) instead of the admin`,
    );

  subcommand('whoami').description('who the credentials are (STS GetCallerIdentity)').action(whoami);

  subcommand('create-user')
    .description('create an IAM user with an AWS managed policy and an access key')
    .argument('<name>', 'the user name')
    .requiredOption(
      '--policy <policy>',
      `${Object.keys(POLICY_SHORT_NAMES).join(' | ')}, or a managed policy ARN`,
      parsePolicy,
    )
    .option('--profile <name>', 'name of the credentials profile (default: the user name)')
    .option(
      '--credentials-file <path>',
      'add the profile to this shared credentials file (mode 0600) instead of printing it',
    )
    .action(createUser);

  subcommand('enable-mfa')
    .description(
      'create a virtual MFA device, show its QR code and secret, and enable it with two consecutive codes',
    )
    .option('--user <name>', 'the IAM user (default: the caller, the root user with --root)')
    .option('--device-name <name>', `device name (default: the user name, ${ROOT_DEVICE_NAME} for root)`)
    .action(enableMfa);
}

/** A short name, or a policy ARN as given. */
function parsePolicy(value: string): string {
  if (value.startsWith('arn:')) return value;
  if (POLICY_SHORT_NAMES[value] !== undefined) return value;
  throw new InvalidArgumentError(`use ${Object.keys(POLICY_SHORT_NAMES).join(', ')} or a policy ARN`);
}

async function clientsOf(
  opts: IamCommandOptions,
): Promise<{ iam: QueryClient; sts: QueryClient; region: string }> {
  const { endpointUrl, dataDir, region } = clientOptionsOf(opts);
  const credentials = opts.root ? await resolveRootCredentials(dataDir) : await resolveCredentials(dataDir);
  return {
    iam: new QueryClient(endpointUrl, 'iam', region, credentials),
    sts: new QueryClient(endpointUrl, 'sts', region, credentials),
    region,
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

async function whoami(opts: IamCommandOptions): Promise<void> {
  const { sts } = await clientsOf(opts);
  const identity = await sts.call('GetCallerIdentity');
  console.log(`Account  ${text(identity.Account)}`);
  console.log(`Arn      ${text(identity.Arn)}`);
  console.log(`UserId   ${text(identity.UserId)}`);
}

async function createUser(name: string, opts: CreateUserOptions): Promise<void> {
  const { iam, region } = await clientsOf(opts);
  const short = POLICY_SHORT_NAMES[opts.policy];
  const policyArn = short !== undefined ? `arn:${partitionOf(region)}:iam::aws:policy/${short}` : opts.policy;
  const profile = opts.profile ?? name;
  const file = opts.credentialsFile;
  const dataDir = resolve(opts.dataDir);
  // The server rewrites its own credentials files at every start, which would drop the profile.
  if (
    file !== undefined &&
    [CREDENTIALS_FILE, ROOT_CREDENTIALS_FILE].some((f) => resolve(dataDir, f) === resolve(file))
  ) {
    throw new Error(`${file} is rewritten by the server at every start; name another file`);
  }

  await iam.call('CreateUser', { UserName: name });
  await iam.call('AttachUserPolicy', { UserName: name, PolicyArn: policyArn });
  const created = await iam.call('CreateAccessKey', { UserName: name });
  const key = created.AccessKey as Record<string, unknown> | undefined;
  const accessKeyId = text(key?.AccessKeyId);
  const secretAccessKey = text(key?.SecretAccessKey);

  if (file === undefined) {
    console.log(
      `[${profile}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}`,
    );
    return;
  }
  await addProfile(file, profile, { aws_access_key_id: accessKeyId, aws_secret_access_key: secretAccessKey });
  console.log(`created user ${name} with ${policyArn}; key ${accessKeyId} is profile ${profile} in ${file}`);
}

/** Adds (or replaces) `profile` in a shared credentials file, keeping its other profiles; mode 0600. */
async function addProfile(path: string, profile: string, values: Record<string, string>): Promise<void> {
  let existing: Record<string, unknown> = {};
  try {
    existing = parseIni(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  existing[profile] = values;
  await writeFile(path, stringifyIni(existing, { whitespace: true }), { mode: 0o600 });
  await chmod(path, 0o600);
}

/** The IAM user name of a user ARN (`arn:aws:iam::ACCOUNT:user/PATH/NAME`). */
function userNameOf(arn: string): string | undefined {
  return /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
}

async function enableMfa(opts: EnableMfaOptions): Promise<void> {
  const { iam, sts } = await clientsOf(opts);
  const identity = await sts.call('GetCallerIdentity');
  const callerArn = text(identity.Arn);
  const account = text(identity.Account);
  const callerIsRoot = /^arn:[^:]+:iam::\d{12}:root$/.test(callerArn);
  // Without --user: the caller itself; the root user's device is enabled without UserName.
  const userName = opts.user ?? (callerIsRoot ? undefined : userNameOf(callerArn));
  if (opts.user === undefined && !callerIsRoot && userName === undefined) {
    throw new Error(`${callerArn} has no MFA devices of its own; name an IAM user with --user`);
  }
  const deviceName = opts.deviceName ?? userName ?? ROOT_DEVICE_NAME;

  const created = await iam.call('CreateVirtualMFADevice', { VirtualMFADeviceName: deviceName });
  const device = created.VirtualMFADevice as Record<string, unknown> | undefined;
  const serial = text(device?.SerialNumber);
  // Base32StringSeed is a blob: the Base32 text, base64-encoded on the wire.
  const secret = Buffer.from(text(device?.Base32StringSeed), 'base64').toString('ascii');
  const uri = otpauthUri(base32.decode(secret), `${deviceName}@${account}`);
  console.log('Add this device to an authenticator app: scan the QR code, or enter the secret.');
  console.log(await QRCode.toString(uri, { type: 'terminal', small: true }));
  console.log(`Secret:      ${secret}`);
  console.log(`otpauth URI: ${uri}`);
  console.log(`Serial:      ${serial}`);

  try {
    const [code1, code2] = await readTwoCodes();
    await iam.call('EnableMFADevice', {
      UserName: userName,
      SerialNumber: serial,
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    });
  } catch (error) {
    // A device that was never enabled is of no use to anyone: leave none behind.
    await iam.call('DeleteVirtualMFADevice', { SerialNumber: serial }).catch(() => undefined);
    throw error;
  }
  console.log(`Enabled ${serial} for ${userName ?? 'the root user'}. For an MFA session:`);
  console.log(`  aws sts get-session-token --serial-number ${serial} --token-code <code>`);
}

/** Two codes from standard input, one a line (a terminal or a pipe), each six digits. */
async function readTwoCodes(): Promise<[string, string]> {
  const lines = createInterface({
    input: process.stdin,
    output: process.stderr,
    terminal: process.stdin.isTTY,
  });
  try {
    const codes: string[] = [];
    const prompts = ['First code: ', 'Next code (wait for the app to show a new one): '];
    const reader = lines[Symbol.asyncIterator]();
    for (const prompt of prompts) {
      process.stderr.write(prompt);
      const line = await reader.next();
      if (line.done === true) throw new Error('standard input ended before two codes were given');
      const code = String(line.value).trim();
      if (!/^\d{6}$/.test(code)) throw new Error(`"${code}" is not a six-digit code`);
      codes.push(code);
    }
    return [codes[0]!, codes[1]!];
  } finally {
    lines.close();
  }
}
