import { describe, expect, it } from 'vitest'
import { MAX_BATCH_MONTHS, monthSpan } from './batches'

describe('monthSpan', () => {
  it('counts both ends, across years', () => {
    expect(monthSpan('2026-01', '2026-01')).toBe(1)
    expect(monthSpan('2025-11', '2026-02')).toBe(4)
    expect(monthSpan('2024-01', '2025-12')).toBe(MAX_BATCH_MONTHS)
  })

  it('is 0 for a range the wrong way round or a malformed month', () => {
    expect(monthSpan('2026-03', '2026-01')).toBe(0)
    expect(monthSpan('2026-3', '2026-04')).toBe(0)
  })
})
