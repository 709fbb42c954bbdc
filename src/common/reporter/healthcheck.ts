// SPDX-License-Identifier: AGPL-3.0-only

/**
 * HEALTH_STATUSES orders the states of a check: "degraded" means working
 * with trouble (a broker down while flows are counted as dropped) and still
 * answers 200; "error" answers 503.
 */
export const HEALTH_STATUSES = ['ok', 'degraded', 'error'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** HealthResult is what one check says. */
export interface HealthResult {
  status: HealthStatus;
  reason?: string;
  details?: Record<string, unknown>;
}

/** Healthcheck is a check a component registers; it should answer quickly. */
export type Healthcheck = () => HealthResult | Promise<HealthResult>;

/** HealthReport is the answer of all checks together. */
export interface HealthReport {
  status: HealthStatus;
  checks: Record<string, HealthResult>;
}

/** CHECK_TIMEOUT_MS is how long a check may take before it counts as failed. */
export const CHECK_TIMEOUT_MS = 5000;

/** Healthchecks holds the checks of one service. */
export class Healthchecks {
  private readonly checks = new Map<string, Healthcheck>();

  register(name: string, check: Healthcheck): void {
    if (this.checks.has(name)) throw new TypeError(`healthcheck ${name} registered twice`);
    this.checks.set(name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  /** run runs every check concurrently; the worst status wins. */
  async run(timeoutMs = CHECK_TIMEOUT_MS): Promise<HealthReport> {
    const entries = [...this.checks.entries()];
    const results = await Promise.all(entries.map(([, check]) => runOne(check, timeoutMs)));
    const checks: Record<string, HealthResult> = {};
    let worst = 0;
    entries.forEach(([name], i) => {
      const r = results[i]!;
      checks[name] = r;
      worst = Math.max(worst, HEALTH_STATUSES.indexOf(r.status));
    });
    return { status: HEALTH_STATUSES[worst]!, checks };
  }
}

async function runOne(check: Healthcheck, timeoutMs: number): Promise<HealthResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'error', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]);
  } catch (err) {
    return { status: 'error', reason: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
