import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { WebSocket } from 'ws'
import { LOAD_CORE } from './proc.ts'

export interface LoadResult {
  readonly requests: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** Answers other than the expected status. */
  readonly unexpected: number
  readonly errors: number
}

export type Headers = Readonly<Record<string, string>>

function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'taskset',
      ['-c', LOAD_CORE, command, ...args],
      { maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${command}: ${error.message} ${stderr}`)) : resolve(stdout),
    )
    if (input !== undefined) child.stdin!.end(input)
  })
}

const toMs = (value: string, unit: string): number =>
  unit === 'us' ? Number(value) / 1000 : unit === 's' ? Number(value) * 1000 : Number(value)

/**
 * wrk (C, one thread) for throughput. A Lua script counts answers whose status is not `expect`
 * (wrk's own count treats 401 as an error and 302 as fine).
 */
export async function wrk(
  url: string,
  options: { headers?: Headers; connections: number; seconds: number; expect: number },
): Promise<LoadResult> {
  const script = `/tmp/fxa-gate-bench-${process.pid}-status.lua`
  await writeFile(
    script,
    `local unexpected = 0
response = function(status) if status ~= ${options.expect} then unexpected = unexpected + 1 end end
done = function(summary, latency, requests) io.write(string.format("unexpected %d\\n", unexpected)) end
`,
  )
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '-s', script]
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`)
  const out = await run('wrk', [...args, url])
  const percentile = (label: string) => {
    const match = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
    return match ? toMs(match[1]!, match[2]!) : Number.NaN
  }
  const max = /Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(out)
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)),
    p50: percentile('50'),
    p99: percentile('99'),
    max: max ? toMs(max[1]!, max[2]!) : Number.NaN,
    unexpected: Number(/unexpected (\d+)/.exec(out)?.[1] ?? 0),
    errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  }
}

/** vegeta at a fixed rate, for latency that does not depend on how fast the server answers. */
export async function vegeta(
  vegetaBin: string,
  url: string,
  options: { headers?: Headers; rate: number; seconds: number; expect: number; csv?: string },
): Promise<LoadResult> {
  const target = [
    `GET ${url}`,
    ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
  ].join('\n')
  const results = `/tmp/fxa-gate-bench-${process.pid}-vegeta.bin`
  await run(
    vegetaBin,
    ['attack', `-rate=${options.rate}/s`, `-duration=${options.seconds}s`, `-output=${results}`],
    target,
  )
  const report = JSON.parse(await run(vegetaBin, ['report', '-type=json', results])) as {
    requests: number
    rate: number
    latencies: { '50th': number; '99th': number; max: number }
    status_codes: Record<string, number>
    errors: string[] | null
  }
  if (options.csv !== undefined)
    await writeFile(options.csv, await run(vegetaBin, ['encode', '--to=csv', results]))
  const ok = report.status_codes[String(options.expect)] ?? 0
  return {
    requests: report.requests,
    rps: Math.round(report.rate),
    p50: report.latencies['50th'] / 1e6,
    p99: report.latencies['99th'] / 1e6,
    max: report.latencies.max / 1e6,
    unexpected: report.requests - ok,
    errors: report.status_codes['0'] ?? 0,
  }
}

/**
 * Websocket round trips: `connections` sockets each send a 100-byte message and wait for its echo,
 * over and over, for `seconds`. Runs in this (load-core) process.
 */
export async function websocketLoad(
  url: string,
  options: { headers?: Headers; connections: number; seconds: number },
): Promise<LoadResult> {
  const message = Buffer.alloc(100, 'w')
  let messages = 0
  let errors = 0
  const latencies: number[] = []
  let running = true
  const one = async () => {
    const ws = new WebSocket(url, { headers: { ...options.headers }, perMessageDeflate: false })
    try {
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    } catch {
      errors++
      return
    }
    await new Promise<void>((resolve) => {
      let sent = 0n
      const send = () => {
        if (!running) return resolve()
        sent = process.hrtime.bigint()
        ws.send(message)
      }
      ws.on('message', () => {
        messages++
        if (latencies.length < 200_000) latencies.push(Number(process.hrtime.bigint() - sent) / 1e6)
        send()
      })
      ws.on('error', () => {
        errors++
        resolve()
      })
      send()
    })
    ws.terminate()
  }
  const started = Date.now()
  const all = Promise.all(Array.from({ length: options.connections }, one))
  await sleep(options.seconds * 1000)
  running = false
  await all
  const elapsed = (Date.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN
  return {
    requests: messages,
    rps: Math.round(messages / elapsed),
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? Number.NaN,
    unexpected: 0,
    errors,
  }
}
