import type { Registry } from 'prom-client'

/**
 * Counters and histograms whose series are plain number cells, resolved once and then incremented
 * with no hashing, label validation or allocation: prom-client's own `labels().inc()` hashes the
 * label object on every call, which on the request path costs more than the work it counts.
 * prom-client's registry still renders them (they implement its metric interface: `name`, `help`,
 * `type`, `get()`), next to its default metrics and gauges.
 */

interface PromValue {
  readonly labels: Record<string, string | number>
  readonly value: number
  readonly metricName?: string
}

interface PromMetric {
  readonly name: string
  readonly help: string
  readonly type: string
  readonly aggregator: 'sum'
  get(): Promise<{ name: string; help: string; type: string; values: PromValue[]; aggregator: 'sum' }>
}

export interface CounterCell {
  inc(value?: number): void
}

export interface HistogramCell {
  observe(seconds: number): void
}

function seriesKey(values: readonly string[]): string {
  return values.join('\u0000')
}

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {}
  for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!
  return labels
}

abstract class Series<Cell> implements PromMetric {
  readonly aggregator = 'sum' as const
  abstract readonly type: string
  protected readonly cells = new Map<string, { labels: Record<string, string>; cell: Cell }>()
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]

  constructor(name: string, help: string, labelNames: readonly string[], registry: Registry) {
    this.name = name
    this.help = help
    this.labelNames = labelNames
    registry.registerMetric(this as never)
  }

  protected abstract create(): Cell

  /** The cell of one series, made on first use; hold on to it on hot paths. */
  labels(...values: string[]): Cell {
    if (values.length !== this.labelNames.length)
      throw new TypeError(`${this.name} takes labels ${this.labelNames.join(', ')}`)
    const key = seriesKey(values)
    let entry = this.cells.get(key)
    if (entry === undefined) {
      entry = { labels: labelObject(this.labelNames, values), cell: this.create() }
      this.cells.set(key, entry)
    }
    return entry.cell
  }

  protected valuesOf(labels: Readonly<Record<string, string>> | undefined): string[] {
    return this.labelNames.map((name) => {
      const value = labels?.[name]
      if (value === undefined) throw new TypeError(`${this.name} needs label ${name}`)
      return value
    })
  }

  abstract get(): Promise<{
    name: string
    help: string
    type: string
    values: PromValue[]
    aggregator: 'sum'
  }>
}

class Count implements CounterCell {
  value = 0
  inc(value = 1): void {
    if (value > 0) this.value += value
  }
}

export class FastCounter extends Series<Count> {
  readonly type = 'counter'

  constructor(name: string, help: string, labelNames: readonly string[], registry: Registry) {
    super(name, help, labelNames, registry)
    if (labelNames.length === 0) this.labels()
  }

  protected create(): Count {
    return new Count()
  }

  /** `inc()`, `inc(n)`, `inc({label: value})` or `inc({label: value}, n)`, like prom-client. */
  inc(labels?: Readonly<Record<string, string>> | number, value?: number): void {
    if (typeof labels === 'number' || labels === undefined) this.labels().inc(labels ?? 1)
    else this.labels(...this.valuesOf(labels)).inc(value ?? 1)
  }

  async get() {
    const values = [...this.cells.values()].map(({ labels, cell }) => ({ labels, value: cell.value }))
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }
}

class Buckets implements HistogramCell {
  sum = 0
  count = 0
  readonly counts: Float64Array
  private readonly bounds: readonly number[]
  constructor(bounds: readonly number[]) {
    this.bounds = bounds
    this.counts = new Float64Array(bounds.length)
  }
  observe(seconds: number): void {
    if (!Number.isFinite(seconds)) return
    this.sum += seconds
    this.count++
    const bounds = this.bounds
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        this.counts[i]!++
        return
      }
    }
  }
}

export class FastHistogram extends Series<Buckets> {
  readonly type = 'histogram'
  private readonly bounds: readonly number[]

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry)
    this.bounds = bounds
  }

  protected create(): Buckets {
    return new Buckets(this.bounds)
  }

  observe(labels: Readonly<Record<string, string>>, seconds: number): void {
    this.labels(...this.valuesOf(labels)).observe(seconds)
  }

  /** Observes the seconds until the returned function is called. */
  startTimer(labels: Readonly<Record<string, string>>): () => void {
    const cell = this.labels(...this.valuesOf(labels))
    const start = performance.now()
    return () => cell.observe((performance.now() - start) / 1000)
  }

  async get() {
    const values: PromValue[] = []
    for (const { labels, cell } of this.cells.values()) {
      let cumulative = 0
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += cell.counts[i]!
        values.push({
          labels: { ...labels, le: this.bounds[i]! },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        })
      }
      values.push({ labels: { ...labels, le: '+Inf' }, value: cell.count, metricName: `${this.name}_bucket` })
      values.push({ labels, value: cell.sum, metricName: `${this.name}_sum` })
      values.push({ labels, value: cell.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }
}
