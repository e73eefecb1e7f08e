import { type Logger, pino } from 'pino'

export type { Logger }

/**
 * JSON logs. Paths that could hold credentials are censored as a second line of defence: the code
 * never logs tokens, cookies or secrets in the first place.
 */
export function createLogger(options: {
  level: string
  destination?: NodeJS.WritableStream
  /** Fields added to every line, e.g. the ids of the request being handled (RequestScope.logFields). */
  mixin?: () => Record<string, unknown>
}): Logger {
  return pino(
    {
      level: options.level,
      ...(options.mixin ? { mixin: options.mixin } : {}),
      base: { service: 'fxa-gate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.token',
          '*.accessToken',
          '*.refreshToken',
          '*.idToken',
          '*.clientSecret',
          '*.cookieSecrets',
          '*.password',
        ],
        censor: '[redacted]',
      },
    },
    options.destination as pino.DestinationStream | undefined,
  )
}
