import { describe, expect, it } from 'vitest'
import { PaymentAttempts, newUuid } from './idempotency'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('payment idempotency keys', () => {
  it('reuses the key of an attempt until it is settled', () => {
    const attempts = new PaymentAttempts()
    const first = attempts.keyFor(7, 'CASH')
    expect(attempts.keyFor(7, 'CASH')).toBe(first)
    expect(attempts.keyFor(7, 'WECHAT')).not.toBe(first)
    expect(attempts.keyFor(8, 'CASH')).not.toBe(first)
    attempts.settle(7)
    expect(attempts.keyFor(7, 'CASH')).not.toBe(first)
  })

  it('makes v4 UUIDs, also where crypto.randomUUID is missing (plain http)', () => {
    expect(newUuid()).toMatch(UUID)
    // An own property shadows the prototype's method, as in an insecure context.
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true })
    try {
      const a = newUuid()
      expect(a).toMatch(UUID)
      expect(newUuid()).not.toBe(a)
    } finally {
      delete (crypto as { randomUUID?: unknown }).randomUUID
    }
  })
})
