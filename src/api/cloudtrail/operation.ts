import type { AuthenticatedCall } from '../../iam/index.ts';
import type { EventStore } from '../../store/index.ts';
import type { NextTokenCodec } from '../next-token.ts';

/** What every CloudTrail operation handler gets besides its input. */
export interface OperationContext {
  caller: AuthenticatedCall;
  store: EventStore;
  tokens: NextTokenCodec;
  nowMs: number;
  historyRetentionDays: number;
}

export type OperationHandler = (
  input: Record<string, unknown>,
  ctx: OperationContext,
) => Promise<Record<string, unknown>>;
