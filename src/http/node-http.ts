import type * as Http from 'node:http'

/**
 * node:http as CommonJS code gets it. An ES module's `import … from 'node:http'` builds the module's
 * namespace, which reads every export, and its `WebSocket` getter then loads the undici bundled in
 * Node: 13 MiB of RSS that nothing here uses (measured; docs/benchmarks.md, Memory).
 */
export const nodeHttp: typeof Http = process.getBuiltinModule('node:http')
