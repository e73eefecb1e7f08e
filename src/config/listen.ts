import { z } from 'zod'

/** Where a listener binds: the host without IPv6 brackets, and the port. */
export interface ListenAddress {
  readonly host: string
  readonly port: number
}

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/

/** Splits a validated `host:port` (see listenAddressSchema). */
export function listenAddress(value: string): ListenAddress {
  const at = value.lastIndexOf(':')
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) }
}

/** A `host:port` listen setting, for the gate's keys and the injector's; `example` goes in the message. */
export function listenAddressSchema(example: string) {
  return z
    .string()
    .regex(HOST_PORT, { message: `expected host:port, e.g. ${example}`, abort: true })
    .refine((value) => listenAddress(value).port <= 65535, 'port out of range')
}
