#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { runCli } from './cli/program.ts'
import { readVersion } from './version.ts'

// The only place that touches the process: arguments, environment, streams, signals, exit code.
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  readFile: (path) => readFileSync(path, 'utf8'),
  version: readVersion(),
  onSignal: (handler) => {
    process.on('SIGTERM', handler)
    process.on('SIGINT', handler)
  },
})
process.exitCode = code
