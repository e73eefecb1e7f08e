import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')

/** `make test` builds before it tests; the image copies dist/ as the build leaves it. */
describe('the build', () => {
  it.each(['locales', 'templates'])(
    'puts every page %s file beside the compiled code (dist/, and so the image)',
    (folder) => {
      const source = join(ROOT, 'src/pages', folder)
      const built = join(ROOT, 'dist/pages', folder)
      const files = readdirSync(source).sort()
      expect(files.length).toBeGreaterThan(2)
      expect(readdirSync(built).sort(), 'run make build').toEqual(files)
      for (const file of files)
        expect(readFileSync(join(built, file), 'utf8'), file).toBe(readFileSync(join(source, file), 'utf8'))
    },
  )
})
