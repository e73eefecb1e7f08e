// Preloaded with `node --import` by bench/memory.ts: records every module the server loads and, on
// SIGUSR2, writes its memory figures and module counts (by package) to $FXA_GATE_MEMORY_REPORT.
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import v8 from 'node:v8'

const urls = new Set()
registerHooks({
  load(url, context, next) {
    urls.add(url)
    return next(url, context)
  },
})
const packageOf = (url) => {
  if (url.includes('node_modules/')) return url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
  if (url.startsWith('node:')) return 'node:'
  return url.includes('/dist/') ? 'fxa-gate' : 'other'
}
process.on('SIGUSR2', () => {
  const packages = {}
  for (const url of urls) packages[packageOf(url)] = (packages[packageOf(url)] ?? 0) + 1
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]))
  writeFileSync(
    process.env.FXA_GATE_MEMORY_REPORT,
    JSON.stringify({ memory: process.memoryUsage(), spaces, modules: urls.size, packages }),
  )
})
