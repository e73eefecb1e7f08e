/**
 * `node bench/profile.ts`: fxa-gate under wrk with `--cpu-prof`, and where its CPU went — self time
 * by package (fxa-gate's own files by file) and the top functions. BENCH_PROFILE=forward (forward-auth
 * with a session, the default) or sidecar (100-byte answers through the proxy); BENCH_SECONDS (10);
 * BENCH_GATE_NODE_ARGS adds V8 flags. Run it with `taskset -c 1` like bench/run.ts.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { wrk } from './lib/load.ts'
import { fxaGate, ROOT } from './lib/subjects.ts'
import { startWorld } from './lib/world.ts'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: readonly number[]
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Where a frame's code lives: a package, fxa-gate's own file, Node's internals, or V8 itself. */
function ownerOf(url: string, name: string): string {
  if (url === '')
    return name === '(garbage collector)' || name === '(idle)' || name === '(program)' ? name : '(native)'
  const modules = url.lastIndexOf('node_modules/')
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const dist = url.indexOf('/dist/')
  if (dist !== -1) return `fxa-gate ${url.slice(dist + 6)}`
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`
  return url
}

function summarise(profile: Profile): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  for (const [i, id] of profile.samples.entries())
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const busy =
    total -
    [...self]
      .filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)')
      .reduce((a, [, t]) => a + t, 0)
  const owners = new Map<string, number>()
  const functions = new Map<string, number>()
  for (const [id, time] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    const owner = ownerOf(url, functionName)
    owners.set(owner, (owners.get(owner) ?? 0) + time)
    const fn = `${functionName || '(anonymous)'} ${owner}:${lineNumber + 1}`
    functions.set(fn, (functions.get(fn) ?? 0) + time)
  }
  const pct = (time: number) => `${((100 * time) / busy).toFixed(1)} %`
  const top = (map: Map<string, number>, count: number) =>
    [...map]
      .filter(([name]) => name !== '(idle)' && !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, time]) => `  ${pct(time).padStart(7)}  ${name}`)
      .join('\n')
  return `busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled (shares below are of busy time)\nby owner:\n${top(owners, 25)}\ntop functions:\n${top(functions, 30)}`
}

const which = process.env['BENCH_PROFILE'] ?? 'forward'
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10)
const dir = join(ROOT, '.bench', 'profiles', `${which}-${Date.now()}`)
await mkdir(dir, { recursive: true })
const world = await startWorld()
const nodeArgs = [
  ...(process.env['BENCH_GATE_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
]
// A short drain, so that the profile is written before the harness's stop() turns to SIGKILL.
const env = { ...world.gateSetup.env, FXA_GATE_SHUTDOWN_DELAY: '0s', FXA_GATE_SHUTDOWN_TIMEOUT: '1s' }
const gate = fxaGate('fxa-gate (profiled)', { ...world.gateSetup, env }, nodeArgs)
const nginxHeaders = { 'x-original-url': 'https://app.example.com/some/page?x=1', 'x-original-method': 'GET' }
const load =
  which === 'sidecar'
    ? { path: '/b100', headers: { cookie: world.gateCookie } }
    : { path: '/_gate/auth/nginx', headers: { cookie: world.gateCookie, ...nginxHeaders } }
try {
  const running = await gate.start()
  // Warm-up (JIT, pools, caches), then the measured run.
  await wrk(`${running.url}${load.path}`, { headers: load.headers, connections: 32, seconds: 2, expect: 200 })
  const result = await wrk(`${running.url}${load.path}`, {
    headers: load.headers,
    connections: 32,
    seconds,
    expect: 200,
  })
  await running.stop()
  console.log(`${which}: ${Math.round(result.rps)} req/s, unexpected ${result.unexpected}`)
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`no profile written in ${dir}`)
  console.log(summarise(JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile))
  console.log(`profile: ${join(dir, file)} (open in Chrome DevTools)`)
} finally {
  await world.stop()
  if (process.env['BENCH_KEEP_PROFILE'] === undefined) await rm(dir, { recursive: true, force: true })
}
