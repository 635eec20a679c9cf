import type { Channel } from './channel.ts';

/** Where channels persist; the registry reads them once and writes each change. */
export interface ChannelStore {
  loadAll(): Promise<Channel[]>;
  save(channel: Channel): Promise<void>;
  delete(arn: string): Promise<void>;
}
