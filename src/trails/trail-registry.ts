/**
 * The trails of every account, held in memory and written through to a TrailStore. Mutations run
 * one at a time, so checks such as the per-region limit and name uniqueness cannot race.
 */
import pLimit from 'p-limit';
import { ServiceError } from '../errors.ts';
import type { Trail } from './trail.ts';
import type { TrailStore } from './trail-store.ts';
import type { Organizations } from './organizations.ts';
import { delegatingOrganization } from './delegated-administrators.ts';
import { parseTrailRef, trailArn } from './trail-names.ts';
import {
  MAX_TRAILS_PER_REGION,
  maximumTrailsExceeded,
  trailAlreadyExists,
  trailNotFound,
} from './trail-errors.ts';

export interface CallerScope {
  accountId: string;
  region: string;
}

export class TrailRegistry {
  private readonly trails = new Map<string, Trail>();
  private readonly serially = pLimit(1);
  private readonly listeners = new Set<(trail: Trail, deleted: boolean) => void>();

  private constructor(
    private readonly store: TrailStore,
    private readonly organizations: Organizations | undefined,
  ) {}

  static async open(store: TrailStore, organizations?: Organizations): Promise<TrailRegistry> {
    const registry = new TrailRegistry(store, organizations);
    for (const trail of await store.loadAll()) registry.trails.set(trail.arn, trail);
    return registry;
  }

  /** Told after every change is persisted (delivery wakes up on StartLogging, drops deleted trails). */
  onChange(listener: (trail: Trail, deleted: boolean) => void): void {
    this.listeners.add(listener);
  }

  all(): Trail[] {
    return [...this.trails.values()];
  }

  get(arn: string): Trail | undefined {
    return this.trails.get(arn);
  }

  /**
   * Trails that exist in a region for an account: those created there, multi-region trails created
   * elsewhere (their shadow trails), and the organization trails of the account's organization.
   */
  visibleIn(scope: CallerScope): Trail[] {
    const org = this.organizations?.organizationOf(scope.accountId);
    const orgTrail = (t: Trail): boolean =>
      org !== undefined &&
      t.isOrganizationTrail &&
      t.accountId === org.managementAccountId &&
      scope.accountId !== t.accountId &&
      (t.homeRegion === scope.region || t.isMultiRegionTrail);
    return this.all()
      .filter(
        (t) =>
          (t.accountId === scope.accountId && (t.homeRegion === scope.region || t.isMultiRegionTrail)) ||
          orgTrail(t),
      )
      .sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  }

  /**
   * Resolves a trail name or ARN as AWS does: a name matches only the caller's own trails whose
   * home is the caller's region; shadow trails (other regions, organization trails seen from a
   * member account) must be named by ARN. TrailNotFoundException when there is no such trail.
   */
  find(ref: string, scope: CallerScope): Trail {
    const parsed = parseTrailRef(ref);
    const trail = parsed.arn
      ? this.visibleIn(scope).find((t) => t.arn === ref)
      : this.all().find(
          (t) => t.name === parsed.name && t.accountId === scope.accountId && t.homeRegion === scope.region,
        );
    if (!trail) {
      throw trailNotFound(
        parsed.arn ? ref : trailArn(scope.region, scope.accountId, parsed.name),
        scope.accountId,
      );
    }
    return trail;
  }

  /**
   * find() for operations that change a trail: only its owner, or for an organization trail
   * CloudTrail's delegated administrator of the organization, only in its home region.
   */
  findForChange(ref: string, scope: CallerScope): Trail {
    const trail = this.find(ref, scope);
    if (trail.accountId !== scope.accountId && !this.administers(scope.accountId, trail)) {
      throw new ServiceError(
        'NotOrganizationMasterAccountException',
        'You cannot configure or manage trails for an organization because this action requires being signed in with the management account.',
      );
    }
    if (trail.homeRegion !== scope.region) {
      throw new ServiceError(
        'InvalidHomeRegionException',
        `The trail ${trail.arn} can be changed only in its home region, ${trail.homeRegion}; this call was made in ${scope.region}.`,
      );
    }
    return trail;
  }

  /** Whether `accountId` manages `trail` as the delegated administrator of its organization. */
  private administers(accountId: string, trail: Trail): boolean {
    return (
      trail.isOrganizationTrail &&
      delegatingOrganization(this.organizations, accountId)?.managementAccountId === trail.accountId
    );
  }

  create(trail: Trail): Promise<Trail> {
    return this.serially(async () => {
      const scope = { accountId: trail.accountId, region: trail.homeRegion };
      const clash = this.all().find(
        (t) =>
          t.accountId === trail.accountId &&
          t.name === trail.name &&
          (t.homeRegion === trail.homeRegion || t.isMultiRegionTrail || trail.isMultiRegionTrail),
      );
      if (clash) throw trailAlreadyExists(trail.name, trail.accountId);
      this.checkLimit(trail, scope);
      await this.store.save(trail);
      this.trails.set(trail.arn, trail);
      this.notify(trail, false);
      return trail;
    });
  }

  /** Applies `change` to the current trail and persists it; `change` may throw to refuse. */
  update(arn: string, change: (current: Trail) => Trail): Promise<Trail> {
    return this.serially(async () => {
      const current = this.trails.get(arn);
      if (!current) throw trailNotFound(arn, arn.split(':')[4] ?? '');
      const next = change(current);
      if (next.isMultiRegionTrail && !current.isMultiRegionTrail) {
        const clash = this.all().find(
          (t) => t.arn !== arn && t.accountId === next.accountId && t.name === next.name,
        );
        if (clash) throw trailAlreadyExists(next.name, next.accountId);
        const others = this.all().filter((t) => t.arn !== arn);
        for (const region of new Set(others.map((t) => t.homeRegion))) {
          this.checkLimit(next, { accountId: next.accountId, region }, others);
        }
      }
      await this.store.save(next);
      this.trails.set(arn, next);
      this.notify(next, false);
      return next;
    });
  }

  delete(arn: string): Promise<void> {
    return this.serially(async () => {
      const trail = this.trails.get(arn);
      if (!trail) return;
      await this.store.delete(arn);
      this.trails.delete(arn);
      this.notify(trail, true);
    });
  }

  /** A multi-region trail counts as one trail in every region (AWS quotas: 5 trails per region). */
  private checkLimit(trail: Trail, scope: CallerScope, others: Trail[] = this.all()): void {
    const regions = trail.isMultiRegionTrail
      ? new Set([scope.region, ...others.map((t) => t.homeRegion)])
      : new Set([scope.region]);
    for (const region of regions) {
      const count = others.filter(
        (t) => t.accountId === trail.accountId && (t.homeRegion === region || t.isMultiRegionTrail),
      ).length;
      if (count >= MAX_TRAILS_PER_REGION) throw maximumTrailsExceeded(trail.accountId, region);
    }
  }

  private notify(trail: Trail, deleted: boolean): void {
    for (const listener of this.listeners) listener(trail, deleted);
  }
}
