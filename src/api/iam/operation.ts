import type { IamCall, IamService, KeyLastUse } from '../../iam/index.ts';

/** The services IAM's operations work on, wired once by the composition root. */
export interface IamServices {
  iam: IamService;
  /** An access key's last verified use (the Authenticator's). */
  lastUse: (accessKeyId: string) => KeyLastUse | undefined;
  /** When an account was created: the root user's CreateDate. */
  accountCreatedMs?: (accountId: string) => Promise<number | undefined>;
}

/** What every IAM handler gets besides its input. */
export interface IamContext extends IamServices {
  call: IamCall;
}

/** An operation's output in the model's wire member names (Date for timestamps). */
export type IamOutput = Record<string, unknown>;

/**
 * One IAM operation: input in wire member names (read by the model, constraints checked), output
 * likewise; `record` is what the audit record's responseElements carry when it is not the output
 * (CreateAccessKey records the key without its secret).
 */
export type IamHandler = (
  input: Record<string, unknown>,
  ctx: IamContext,
) => Promise<{ output?: IamOutput; record?: IamOutput | null }>;

/** A string member the model requires (checked before the handler runs). */
export function req(input: Record<string, unknown>, name: string): string {
  return input[name] as string;
}

export function opt(input: Record<string, unknown>, name: string): string | undefined {
  return input[name] as string | undefined;
}

export function optNumber(input: Record<string, unknown>, name: string): number | undefined {
  return input[name] as number | undefined;
}

/** Marker/IsTruncated of a page, as every IAM list answers them. */
export function truncation(marker: string | undefined): { IsTruncated: boolean; Marker?: string } {
  return marker === undefined ? { IsTruncated: false } : { IsTruncated: true, Marker: marker };
}
