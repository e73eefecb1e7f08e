import { collectDefaultMetrics, Registry } from 'prom-client'

/**
 * A registry of one process's metrics (no global registry: tests build several apps in one process),
 * with the Node.js process metrics under their standard names (process_*, nodejs_*, as every stock
 * dashboard expects) unless `defaultMetrics` is false. The gate and the injector's
 * webhook both start from here, so their process metrics have the same names on every dashboard.
 */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry })
  return registry
}
