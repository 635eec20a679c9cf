import type { Trail } from './trail.ts';
import type { TrailStore } from './trail-store.ts';

/** Trails held in memory only: for tests and for tools that need no persistence. */
export class MemoryTrailStore implements TrailStore {
  private readonly trails = new Map<string, string>();

  loadAll(): Promise<Trail[]> {
    return Promise.resolve(
      [...this.trails.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, body]) => JSON.parse(body) as Trail),
    );
  }

  save(trail: Trail): Promise<void> {
    this.trails.set(trail.arn, JSON.stringify(trail));
    return Promise.resolve();
  }

  delete(arn: string): Promise<void> {
    this.trails.delete(arn);
    return Promise.resolve();
  }
}
