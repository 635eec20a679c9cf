/**
 * After each log file delivery CloudTrail publishes `{"s3Bucket": ..., "s3ObjectKey": [...]}` to
 * the trail's SNS topic. OpenTrail maps topic names to HTTP(S) endpoints and posts the message
 * in the envelope an SNS HTTP(S) subscription receives (Type Notification, MessageId, TopicArn,
 * Message, Timestamp; headers x-amz-sns-message-type, -message-id, -topic-arn). Messages are not
 * signed: there is no SNS certificate to sign them with, so Signature fields are left out.
 */
import { randomUUID } from 'node:crypto';

export interface DeliveryNotification {
  s3Bucket: string;
  s3ObjectKey: string[];
}

export interface Notifier {
  /** True when a topic of this name (or ARN's last part) can be published to. */
  hasTopic(topicName: string): boolean;
  /** Resolves once the endpoint accepted the message; throws with the reason otherwise. */
  publish(topicArn: string, message: DeliveryNotification): Promise<void>;
}

function topicNameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split(':').pop() ?? nameOrArn) : nameOrArn;
}

export class HttpSnsNotifier implements Notifier {
  private readonly endpoints: ReadonlyMap<string, string>;

  constructor(
    endpoints: ReadonlyMap<string, string>,
    private readonly options: { timeoutMs: number; now: () => number } = { timeoutMs: 10_000, now: Date.now },
  ) {
    this.endpoints = endpoints;
  }

  hasTopic(topicName: string): boolean {
    return this.endpoints.has(topicNameOf(topicName));
  }

  async publish(topicArn: string, message: DeliveryNotification): Promise<void> {
    const url = this.endpoints.get(topicNameOf(topicArn));
    if (!url) throw new Error(`NotFound: no endpoint is configured for topic ${topicArn}`);
    const messageId = randomUUID();
    const envelope = {
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: topicArn,
      Message: JSON.stringify(message),
      Timestamp: new Date(this.options.now()).toISOString(),
    };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=UTF-8',
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': messageId,
        'x-amz-sns-topic-arn': topicArn,
      },
      body: JSON.stringify(envelope),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`HTTP ${response.status} from the endpoint of ${topicArn}`);
  }
}
