import type { EventCategory } from '../events/index.ts';
import type { NewEvent } from '../store/index.ts';

/**
 * An event whose record text stays where the request body holds it, as UTF-8 bytes, until
 * something asks for it as a string. The event log copies `rawUtf8` as it is: the text of a
 * recording batch is never decoded to strings on the main thread and encoded again, and tens of
 * megabytes of short-lived strings a second stay out of the garbage collector's way.
 */
export class BodyEvent implements NewEvent {
  constructor(
    readonly eventId: string,
    readonly accountId: string,
    readonly region: string,
    readonly eventTimeMs: number,
    readonly eventName: string,
    readonly eventSource: string,
    readonly username: string | null,
    readonly accessKeyId: string | null,
    readonly readOnly: boolean | null,
    readonly category: EventCategory,
    readonly resourceTypes: string[],
    readonly resourceNames: string[],
    /** The request body (valid UTF-8: it was decoded strictly before it was parsed). */
    private readonly body: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** The bytes of `raw`. */
  get rawUtf8(): Uint8Array {
    return this.body.subarray(this.start, this.end);
  }

  get raw(): string {
    return Buffer.from(this.body.buffer, this.body.byteOffset + this.start, this.end - this.start).toString(
      'utf8',
    );
  }
}
