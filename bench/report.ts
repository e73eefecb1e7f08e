/** `node bench/report.ts`: re-renders .bench/results.md from .bench/results.json (no new run). */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RedisBytes, renderReport } from './goals.ts'
import type { Measurement } from './lib/report.ts'

const root = join(import.meta.dirname, '..')
const saved = JSON.parse(await readFile(join(root, '.bench/results.json'), 'utf8')) as {
  header: string
  medians: Measurement[]
  redisBytes: RedisBytes
}
const report = renderReport(saved.header, saved.medians, saved.redisBytes)
await writeFile(join(root, '.bench/results.md'), `${report}\n`)
console.log(report)
