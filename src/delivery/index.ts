export * from './log-files.ts';
export * from './notifier.ts';
export {
  TrailDelivery,
  DEFAULT_DELIVERY_OPTIONS,
  type DeliveryDeps,
  type DeliveryOptions,
} from './trail-delivery.ts';

/** What the trail API needs of delivery. */
export interface TrailDeliveryControl {
  wake(): void;
  forget(arn: string): Promise<void>;
}

/** What the trail API needs of notifications: whether a topic can be published to. */
export interface DeliveryNotifierView {
  hasTopic(topicName: string): boolean;
}
export * from './digest-journal.ts';
export { DigestDelivery, type DigestDeliveryDeps, type DigestDeliveryOptions } from './digest-delivery.ts';
