import { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { watchSubscriber } from '../../../src/redis/subscriber.ts'

/** ioredis's subscriber as the watcher uses it: PINGs and SUBSCRIBEs answered when the test says. */
function fakeSubscriber() {
  const emitter = new EventEmitter()
  const pings: Array<() => void> = []
  let disconnects = 0
  const fake = Object.assign(emitter, {
    status: 'ready',
    ping: () => new Promise<string>((resolve) => pings.push(() => resolve('PONG'))),
    subscribe: async () => 1,
    disconnect: () => {
      disconnects++
    },
  })
  return {
    redis: fake as unknown as Redis,
    answerPings: () => {
      for (const answer of pings.splice(0)) answer()
    },
    disconnects: () => disconnects,
    emit: (event: string, ...args: unknown[]) => emitter.emit(event, ...args),
  }
}

const timing = { pingEveryMs: 5, liveForMs: 40, deadAfterMs: 80 }
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the pub/sub liveness watch', () => {
  it('is live only once subscribed and a PING sent after that was answered', async () => {
    const sub = fakeSubscriber()
    const now = 0
    const resets: number[] = []
    const pubsub = watchSubscriber(sub.redis, ['ch'], timing, () => now)
    pubsub.onReset(() => resets.push(now))
    await tick(1)
    expect(resets).toEqual([0])
    expect(pubsub.live()).toBe(false)
    sub.answerPings()
    await tick(1)
    expect(pubsub.live()).toBe(true)
    pubsub.stop()
  })

  it('stops being live when PINGs go unanswered (a silent death), then drops the connection', async () => {
    const sub = fakeSubscriber()
    let now = 0
    const pubsub = watchSubscriber(sub.redis, ['ch'], timing, () => now)
    await tick(1)
    sub.answerPings()
    await tick(1)
    expect(pubsub.live()).toBe(true)
    now = 39
    expect(pubsub.live()).toBe(true)
    now = 41
    // No answer came for anything sent in the last 40 ms.
    expect(pubsub.live()).toBe(false)
    await tick(15) // a PING goes out at 41 and is never answered
    now = 200
    await tick(20)
    expect(sub.disconnects()).toBeGreaterThan(0)
    pubsub.stop()
  })

  it('resets on a lost connection and is not live until subscribed again', async () => {
    const sub = fakeSubscriber()
    let now = 0
    let resets = 0
    const pubsub = watchSubscriber(sub.redis, ['ch'], timing, () => now)
    pubsub.onReset(() => resets++)
    await tick(1)
    sub.answerPings()
    await tick(1)
    expect(pubsub.live()).toBe(true)
    sub.emit('close')
    expect(pubsub.live()).toBe(false)
    expect(resets).toBe(2)
    sub.emit('ready')
    await tick(1)
    now = 1
    sub.answerPings()
    await tick(1)
    expect(pubsub.live()).toBe(true)
    expect(resets).toBe(3)
    pubsub.stop()
  })

  it('hands messages to the handlers of their channel only', async () => {
    const sub = fakeSubscriber()
    const pubsub = watchSubscriber(sub.redis, ['a', 'b'], timing, () => 0)
    const got: string[] = []
    pubsub.on('a', (message) => got.push(`a:${message}`))
    const off = pubsub.on('b', (message) => got.push(`b:${message}`))
    sub.emit('message', 'a', '1')
    sub.emit('message', 'b', '2')
    off()
    sub.emit('message', 'b', '3')
    sub.emit('message', 'c', '4')
    expect(got).toEqual(['a:1', 'b:2'])
    pubsub.stop()
  })
})
