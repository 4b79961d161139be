import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly signIns: Counter<'outcome'>;
  readonly lockouts: Counter<'kind'>;
  readonly notifications: Counter<'kind' | 'outcome'>;
}

/** One registry per app instance (no global state), so tests and several apps never collide. */
export function createMetrics(options: { defaultMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'custos_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'custos_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'custos_sign_in_total',
      help: 'Sign-in steps by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    lockouts: new Counter({
      name: 'custos_lockouts_total',
      help: 'Account locks by kind (temporary, hard, user)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'custos_notifications_total',
      help: 'Outbox deliveries by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
  };
}
