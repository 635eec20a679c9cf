import pLimit from 'p-limit';
import {
  channelNotFound,
  channelExistsForStore,
  channelTargets,
  parseChannelRef,
  type Channel,
  type ChannelIngestionStatus,
} from './channel.ts';
import type { ChannelStore } from './channel-store.ts';
import type { Caller } from './event-data-store-registry.ts';
import type { EventDataStore } from './event-data-store.ts';

/**
 * The channels, held in memory and written through to the ChannelStore. Changes run one at a
 * time, so a read-modify-write never loses a concurrent one.
 */
export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  /** Runs a change after every earlier one has finished. */
  private readonly serialize = pLimit(1);

  private constructor(private readonly store: ChannelStore) {}

  static async open(store: ChannelStore): Promise<ChannelRegistry> {
    const registry = new ChannelRegistry(store);
    for (const channel of await store.loadAll()) registry.channels.set(channel.arn, channel);
    return registry;
  }

  all(): Channel[] {
    return [...this.channels.values()];
  }

  /** The channels of an account in a region, oldest first. */
  ownedBy(caller: Caller): Channel[] {
    return this.all()
      .filter((c) => c.accountId === caller.accountId && c.region === caller.region)
      .sort((a, b) => a.createdMs - b.createdMs || a.arn.localeCompare(b.arn));
  }

  /** A channel by ARN or ID as the caller names it; ChannelNotFoundException otherwise. */
  find(ref: string, caller: Caller): Channel {
    const parsed = parseChannelRef(ref);
    const channel = this.ownedBy(caller).find((c) => c.id === parsed.id);
    if (
      !channel ||
      (parsed.arn && (parsed.arn.accountId !== channel.accountId || parsed.arn.region !== channel.region))
    ) {
      throw channelNotFound(ref);
    }
    return channel;
  }

  /** Throws ChannelExistsForEDSException while a channel delivers into the store. */
  checkDeletable(store: EventDataStore): void {
    const channel = this.all().find((c) => channelTargets(c, store.arn));
    if (channel) throw channelExistsForStore(store.arn, channel);
  }

  /** Creates a channel after `check` (run in turn with other changes) accepts the current set. */
  create(channel: Channel, check: (current: Channel[]) => void = () => undefined): Promise<Channel> {
    return this.serialize(async () => {
      check(this.all());
      await this.store.save(channel);
      this.channels.set(channel.arn, channel);
      return channel;
    });
  }

  update(arn: string, change: (channel: Channel, current: Channel[]) => Channel): Promise<Channel> {
    return this.serialize(async () => {
      const channel = this.channels.get(arn);
      if (!channel) throw channelNotFound(arn);
      const next = change(channel, this.all());
      await this.store.save(next);
      this.channels.set(arn, next);
      return next;
    });
  }

  /** Records the outcome of a PutAuditEvents call for GetChannel's IngestionStatus. */
  recordIngestion(arn: string, status: ChannelIngestionStatus): Promise<void> {
    return this.serialize(async () => {
      const channel = this.channels.get(arn);
      if (!channel) return;
      const next = { ...channel, ingestion: { ...channel.ingestion, ...status } };
      await this.store.save(next);
      this.channels.set(arn, next);
    });
  }

  delete(arn: string): Promise<void> {
    return this.serialize(async () => {
      if (!this.channels.has(arn)) throw channelNotFound(arn);
      await this.store.delete(arn);
      this.channels.delete(arn);
    });
  }
}
