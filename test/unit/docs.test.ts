import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderConfiguration, renderErrors, renderMetrics } from '../../scripts/reference-docs.ts'

const docs = join(import.meta.dirname, '../../docs')

describe('reference documentation', () => {
  it('documents every configuration key as the schema defines it (run `make docs` after a change)', () => {
    expect(readFileSync(join(docs, 'configuration.md'), 'utf8')).toBe(renderConfiguration())
  })

  it('documents every error code as the table defines it (run `make docs` after a change)', () => {
    expect(readFileSync(join(docs, 'errors.md'), 'utf8')).toBe(renderErrors())
  })

  it('documents every metric as its definition says (run `make docs` after a change)', () => {
    expect(readFileSync(join(docs, 'metrics.md'), 'utf8')).toBe(renderMetrics())
  })
})
