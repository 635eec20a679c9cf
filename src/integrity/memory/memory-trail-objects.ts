/** Trail buckets held in memory: the validator's tests, and anything that has the objects at hand. */
import type { TrailObject, TrailObjectReader } from '../trail-objects.ts';

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export class MemoryTrailObjects implements TrailObjectReader {
  private readonly buckets = new Map<string, Map<string, TrailObject>>();

  put(bucket: string, key: string, body: Uint8Array, metadata: Record<string, string> = {}): void {
    let objects = this.buckets.get(bucket);
    if (!objects) this.buckets.set(bucket, (objects = new Map<string, TrailObject>()));
    objects.set(key, { body, metadata: { ...metadata } });
  }

  delete(bucket: string, key: string): boolean {
    return this.buckets.get(bucket)?.delete(key) ?? false;
  }

  /** The object itself (not a copy), for tests that tamper with it. */
  peek(bucket: string, key: string): TrailObject | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  get(bucket: string, key: string): Promise<TrailObject | undefined> {
    return Promise.resolve(this.buckets.get(bucket)?.get(key));
  }

  getBody(bucket: string, key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.buckets.get(bucket)?.get(key)?.body);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- an async generator is the port's shape
  async *list(bucket: string, prefix: string): AsyncIterable<string> {
    const keys = [...(this.buckets.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix));
    yield* keys.sort(byteOrder);
  }
}
