import type { Config } from '../config/derive.ts'
import type { DecisionPolicy } from './decide.ts'
import { compileRules, type RuleSpec } from './rules.ts'

/** Builds the decision policy from configuration, once. */
export function compilePolicy(config: Config): DecisionPolicy {
  const rules = compileRules(config.publicPaths, config.rules as RuleSpec[])
  const start = config.loginUrl
  return {
    rules,
    loginUrl: (request) => `${start}?rd=${encodeURIComponent(request.url)}`,
    bearerAcceptedEverywhere: config.bearerAllowedClients.length > 0,
  }
}
