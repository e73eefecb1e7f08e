// `node bench/probes/heap-summary.mjs FILE.heapsnapshot [N]`: self size by node type, and the N
// largest constructors/kinds, from a V8 heap snapshot (as written by --heapsnapshot-signal).
import { readFileSync } from 'node:fs'

const snapshot = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const fields = snapshot.snapshot.meta.node_fields
const types = snapshot.snapshot.meta.node_types[0]
const width = fields.length
const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
const byType = new Map()
const byName = new Map()
let total = 0
for (let i = 0; i < snapshot.nodes.length; i += width) {
  const type = types[snapshot.nodes[i + typeAt]]
  const size = snapshot.nodes[i + sizeAt]
  total += size
  byType.set(type, (byType.get(type) ?? 0) + size)
  const name =
    type === 'object' || type === 'closure' ? `${type} ${snapshot.strings[snapshot.nodes[i + nameAt]]}` : type
  byName.set(name, (byName.get(name) ?? 0) + size)
}
const mib = (n) => (n / 2 ** 20).toFixed(2)
const top = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${mib(v).padStart(7)} MiB  ${k}`)
    .join('\n')
console.log(
  `heap ${mib(total)} MiB\nby type:\n${top(byType, 12)}\n\nlargest:\n${top(byName, Number(process.argv[3] ?? 25))}`,
)
