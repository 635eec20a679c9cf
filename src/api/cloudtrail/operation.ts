import type { DeliveryNotifierView, TrailDeliveryControl } from '../../delivery/index.ts';
import type { AuthenticatedCall } from '../../iam/index.ts';
import type { SigningKeyRing } from '../../integrity/index.ts';
import type { ObjectStore } from '../../objects/index.ts';
import type { EventStore } from '../../store/index.ts';
import type { OrganizationStore, TrailRegistry } from '../../trails/index.ts';
import type {
  ChannelRegistry,
  EventDataStore,
  EventDataStoreRegistry,
  ImportService,
  QueryService,
  ResourcePolicies,
} from '../../query/index.ts';
import type { NextTokenCodec } from '../next-token.ts';

/** The services CloudTrail's operations work on, wired once by the composition root. */
export interface CloudTrailServices {
  store: EventStore;
  tokens: NextTokenCodec;
  historyRetentionDays: number;
  trails: TrailRegistry;
  delivery: TrailDeliveryControl;
  bucket: (name: string) => ObjectStore;
  notifier: DeliveryNotifierView;
  /** The organizations of organization trails and stores, and CloudTrail's delegated administrators. */
  organizations: OrganizationStore;
  signingKeys: SigningKeyRing;
  lake: LakeContext;
}

/** What every CloudTrail operation handler gets besides its input: the services and the call. */
export interface OperationContext extends CloudTrailServices {
  caller: AuthenticatedCall;
  nowMs: number;
  /**
   * Runs `fn` with the sequence number of this call's own self-audit event once it is durable
   * (StopLogging delivers up to and including its own event).
   */
  onRecorded(fn: (seq: bigint) => Promise<void>): void;
}

export type OperationHandler = (
  input: Record<string, unknown>,
  ctx: OperationContext,
) => Promise<Record<string, unknown>>;

/** CloudTrail Lake: event data stores, their live ingestion, and queries. */
export interface LakeContext {
  registry: EventDataStoreRegistry;
  ingestion: { startAtHead(store: EventDataStore): Promise<void> };
  queries: QueryService;
  imports: ImportService;
  /** Channels (Lake integrations) that cloudtrail-data PutAuditEvents delivers through. */
  channels: ChannelRegistry;
  /** The resource-based policies of channels, event data stores and dashboards (PutResourcePolicy). */
  resourcePolicies: ResourcePolicies;
  /** Throws when something still writes into the store (a channel, a running import). */
  checkDeletable(store: EventDataStore): void;
}
