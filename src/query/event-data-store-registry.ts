import pLimit from 'p-limit';
import { delegatingOrganization, type Organizations } from '../trails/index.ts';
import {
  eventDataStoreNotFound,
  parseEventDataStoreRef,
  PENDING_DELETION_DAYS,
  type EventDataStore,
} from './event-data-store.ts';
import type { LakeStore } from './lake-store.ts';

const DAY_MS = 86_400_000;

export interface Caller {
  accountId: string;
  region: string;
}

/**
 * The event data stores, held in memory and written through to the LakeStore. Changes run one at
 * a time, so a read-modify-write never loses a concurrent one. A CloudTrail delegated
 * administrator of an organization also reaches the organization event data stores of its
 * management account, which owns them (CloudTrail User Guide, "Organization delegated
 * administrator"), when it names them by ARN.
 */
export class EventDataStoreRegistry {
  private readonly stores = new Map<string, EventDataStore>();
  /** Runs a change after every earlier one has finished. */
  private readonly serialize = pLimit(1);

  private constructor(
    readonly lake: LakeStore,
    private readonly organizations: Organizations | undefined,
  ) {}

  static async open(lake: LakeStore, organizations?: Organizations): Promise<EventDataStoreRegistry> {
    const registry = new EventDataStoreRegistry(lake, organizations);
    for (const store of await lake.loadStores()) registry.stores.set(store.arn, store);
    return registry;
  }

  all(): EventDataStore[] {
    return [...this.stores.values()];
  }

  /** The stores of an account in a region, pending deletion included, oldest first. */
  ownedBy(caller: Caller): EventDataStore[] {
    return this.all()
      .filter((s) => s.accountId === caller.accountId && s.region === caller.region)
      .sort((a, b) => a.createdMs - b.createdMs || a.arn.localeCompare(b.arn));
  }

  /**
   * The organization event data stores of the management account whose organization `caller`
   * manages as CloudTrail's delegated administrator, in the caller's Region; none for others.
   */
  administeredBy(caller: Caller): EventDataStore[] {
    const org = delegatingOrganization(this.organizations, caller.accountId);
    if (!org) return [];
    return this.ownedBy({ accountId: org.managementAccountId, region: caller.region }).filter(
      (s) => s.organizationEnabled,
    );
  }

  /**
   * A store by ARN or ID as the caller names it: one of its own, or by ARN an organization store
   * it administers (administeredBy); EventDataStoreNotFoundException otherwise.
   */
  find(ref: string, caller: Caller): EventDataStore {
    const parsed = parseEventDataStoreRef(ref);
    const own = this.ownedBy(caller).find((s) => s.id === parsed.id);
    const store =
      own ?? (parsed.arn ? this.administeredBy(caller).find((s) => s.id === parsed.id) : undefined);
    if (
      !store ||
      (parsed.arn && (parsed.arn.accountId !== store.accountId || parsed.arn.region !== store.region))
    ) {
      throw eventDataStoreNotFound(ref);
    }
    return store;
  }

  /** Creates a store after `check` (run in turn with other changes) accepts the current set. */
  create(
    store: EventDataStore,
    check: (current: EventDataStore[]) => void = () => undefined,
  ): Promise<EventDataStore> {
    return this.serialize(async () => {
      check(this.all());
      await this.lake.saveStore(store);
      this.stores.set(store.arn, store);
      return store;
    });
  }

  update(
    arn: string,
    change: (store: EventDataStore, current: EventDataStore[]) => EventDataStore,
  ): Promise<EventDataStore> {
    return this.serialize(async () => {
      const store = this.stores.get(arn);
      if (!store) throw eventDataStoreNotFound(arn);
      const next = change(store, this.all());
      await this.lake.saveStore(next);
      this.stores.set(arn, next);
      return next;
    });
  }

  /** Drops stores whose seven-day pending deletion has passed; returns them. */
  expire(nowMs: number): Promise<EventDataStore[]> {
    return this.serialize(async () => {
      const gone = this.all().filter(
        (s) => s.deletedMs !== undefined && nowMs - s.deletedMs >= PENDING_DELETION_DAYS * DAY_MS,
      );
      for (const store of gone) {
        await this.lake.dropStore(store);
        this.stores.delete(store.arn);
      }
      return gone;
    });
  }
}
