import { describe, expect, it } from 'vitest'
import type { InsurancePolicy } from '@/api/types'
import {
  categoryRatioProblems,
  emptyPolicyForm,
  formatOptionalYuan,
  formatRatio,
  isOptionalYuan,
  percentToRatio,
  policyFields,
  policyForm,
  policyRequest,
  ratioToPercent,
  runSpans,
} from './insurance'

function policy(figures: Partial<InsurancePolicy> = {}): InsurancePolicy {
  return {
    id: 1,
    insurance_type: 'RESIDENT',
    effective_from: '2026-01-01',
    ratio: '0.5000',
    category_ratios: [
      { item_category: 'DRUG', ratio: '0.8000' },
      { item_category: 'REGISTRATION', ratio: '0.0000' },
    ],
    deductible: '100.0000',
    visit_cap: '300.5000',
    in_force: true,
    used: false,
    updated_at: '2026-01-01T00:00:00Z',
    ...figures,
  }
}

describe('ratios as percentages', () => {
  it('shows a ratio as a percentage without trailing zeros', () => {
    expect(ratioToPercent('0.7000')).toBe('70')
    expect(ratioToPercent('0.8550')).toBe('85.5')
    expect(ratioToPercent('0.0125')).toBe('1.25')
    expect(ratioToPercent('1')).toBe('100')
    expect(ratioToPercent('0.0000')).toBe('0')
    expect(ratioToPercent(null)).toBe('')
    expect(ratioToPercent('abc')).toBe('')
    expect(formatRatio('0.9000')).toBe('90%')
    expect(formatRatio(undefined)).toBe('')
  })

  it('reads a typed percentage back as a four-place ratio', () => {
    expect(percentToRatio('70')).toBe('0.7000')
    expect(percentToRatio(' 85.5 ')).toBe('0.8550')
    expect(percentToRatio('1.25')).toBe('0.0125')
    expect(percentToRatio('100')).toBe('1.0000')
    expect(percentToRatio('0')).toBe('0.0000')
    expect(percentToRatio(12)).toBe('0.1200')
    expect(percentToRatio('70.')).toBe('0.7000')
  })

  it('refuses what is not a percentage from 0 to 100 with at most two decimals', () => {
    expect(percentToRatio('100.01')).toBeNull()
    expect(percentToRatio('101')).toBeNull()
    expect(percentToRatio('-5')).toBeNull()
    expect(percentToRatio('12.345')).toBeNull()
    expect(percentToRatio('')).toBeNull()
    expect(percentToRatio('七十')).toBeNull()
    expect(percentToRatio(null)).toBeNull()
  })

  it('round-trips every percentage with two decimals', () => {
    for (const p of ['0', '0.01', '33.33', '50', '99.99', '100']) expect(ratioToPercent(percentToRatio(p))).toBe(p)
  })
})

describe('deductible and cap', () => {
  it('takes nothing, or yuan in whole fen that are not negative', () => {
    expect(isOptionalYuan('')).toBe(true)
    expect(isOptionalYuan('  ')).toBe(true)
    expect(isOptionalYuan('100')).toBe(true)
    expect(isOptionalYuan('0.5')).toBe(true)
    expect(isOptionalYuan('12.34')).toBe(true)
    expect(isOptionalYuan('12.345')).toBe(false)
    expect(isOptionalYuan('-1')).toBe(false)
    expect(isOptionalYuan('abc')).toBe(false)
  })

  it('shows yuan with two decimals, or a dash for none', () => {
    expect(formatOptionalYuan('100.0000')).toBe('¥100.00')
    expect(formatOptionalYuan(null)).toBe('—')
    expect(formatOptionalYuan(undefined)).toBe('—')
  })
})

describe('category-ratio rows', () => {
  it('accepts complete rows of different categories', () => {
    expect(categoryRatioProblems([])).toEqual({})
    expect(
      categoryRatioProblems([
        { item_category: 'DRUG', ratio: '80' },
        { item_category: 'LAB', ratio: '0' },
      ]),
    ).toEqual({})
  })

  it('names each problem at the field path the server uses', () => {
    expect(
      categoryRatioProblems([
        { item_category: '', ratio: '' },
        { item_category: 'DRUG', ratio: '120' },
        { item_category: 'DRUG', ratio: '80.125' },
      ]),
    ).toEqual({
      'category_ratios[0].item_category': 'required',
      'category_ratios[0].ratio': 'required',
      'category_ratios[1].ratio': 'percent',
      'category_ratios[2].item_category': 'duplicate',
      'category_ratios[2].ratio': 'percent',
    })
  })

  it('lists the fields of every row the form draws', () => {
    expect(policyFields({ category_ratios: [{ item_category: 'DRUG', ratio: '80' }] })).toEqual([
      'insurance_type',
      'effective_from',
      'ratio',
      'category_ratios',
      'category_ratios[0].item_category',
      'category_ratios[0].ratio',
      'deductible',
      'visit_cap',
    ])
  })
})

describe('the policy form', () => {
  it('starts empty from a date', () => {
    expect(emptyPolicyForm('2026-12-04')).toEqual({
      insurance_type: 'EMPLOYEE',
      effective_from: '2026-12-04',
      ratio: '',
      category_ratios: [],
      deductible: '',
      visit_cap: '',
    })
  })

  it('fills from a policy in percentages and plain yuan', () => {
    expect(policyForm(policy())).toEqual({
      insurance_type: 'RESIDENT',
      effective_from: '2026-01-01',
      ratio: '50',
      category_ratios: [
        { item_category: 'DRUG', ratio: '80' },
        { item_category: 'REGISTRATION', ratio: '0' },
      ],
      deductible: '100',
      visit_cap: '300.5',
    })
    const none = policyForm(policy({ deductible: null, visit_cap: undefined, category_ratios: [] }))
    expect(none.deductible).toBe('')
    expect(none.visit_cap).toBe('')
  })

  it('sends ratios as four-place decimals and empty yuan as none', () => {
    expect(
      policyRequest({
        insurance_type: 'EMPLOYEE',
        effective_from: '2027-01-01',
        ratio: '70',
        category_ratios: [{ item_category: 'DRUG', ratio: '85.5' }],
        deductible: ' ',
        visit_cap: ' 500 ',
      }),
    ).toEqual({
      insurance_type: 'EMPLOYEE',
      effective_from: '2027-01-01',
      ratio: '0.7000',
      category_ratios: [{ item_category: 'DRUG', ratio: '0.8550' }],
      deductible: null,
      visit_cap: '500',
    })
  })

  it('round-trips a policy through the form', () => {
    const p = policy()
    const back = policyRequest(policyForm(p))
    expect(back.ratio).toBe(p.ratio)
    expect(back.category_ratios).toEqual(p.category_ratios)
  })
})

describe('runs of rows', () => {
  it('merges the rows of one key into its first', () => {
    const rows = ['EMPLOYEE', 'EMPLOYEE', 'RESIDENT', 'SELF_PAY', 'SELF_PAY', 'SELF_PAY']
    expect(runSpans(rows, (r) => r)).toEqual([2, 0, 1, 3, 0, 0])
    expect(runSpans([], (r) => r)).toEqual([])
    expect(runSpans(['A', 'B', 'A'], (r) => r)).toEqual([1, 1, 1])
  })
})
