// Idempotency keys for payments: one key per payment attempt, reused when that attempt is retried.

/** A random UUID v4. `crypto.randomUUID` exists only in secure contexts (https or localhost), so a hospital
 * LAN served over plain http falls back to `getRandomValues`, which is available everywhere. */
export function newUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * Keys by attempt: the same bill paid with the same method reuses its key until the attempt is settled,
 * so a retry after a timeout cannot charge twice; a different method is a different attempt.
 */
export class PaymentAttempts {
  private keys = new Map<string, string>()

  keyFor(billId: number, method: string): string {
    const slot = `${billId}:${method}`
    let key = this.keys.get(slot)
    if (!key) {
      key = newUuid()
      this.keys.set(slot, key)
    }
    return key
  }

  /** Forget a bill's attempts once its payment is settled (paid, or refused for good). */
  settle(billId: number): void {
    for (const slot of [...this.keys.keys()]) if (slot.startsWith(`${billId}:`)) this.keys.delete(slot)
  }
}
