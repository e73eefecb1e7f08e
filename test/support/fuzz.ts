/** Runs per fast-check property: 10,000 in `make test`, many more under `make fuzz`. */
export function fuzzRuns(): number {
  return Number(process.env['FXA_GATE_FUZZ_RUNS'] ?? 10_000)
}

/** A fixed seed unless `FXA_GATE_FUZZ_SEED` says otherwise, so failures reproduce. */
export function fuzzSeed(): number {
  return Number(process.env['FXA_GATE_FUZZ_SEED'] ?? 20261201)
}
