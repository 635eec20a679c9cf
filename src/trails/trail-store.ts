import type { Trail } from './trail.ts';

/** Where trails persist. The registry holds them in memory and writes every change through. */
export interface TrailStore {
  loadAll(): Promise<Trail[]>;
  /** Inserts or replaces the trail with this ARN. */
  save(trail: Trail): Promise<void>;
  delete(arn: string): Promise<void>;
}
