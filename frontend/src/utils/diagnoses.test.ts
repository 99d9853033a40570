import { describe, expect, it } from 'vitest'
import type { RecordDiagnosis } from '@/api/types'
import { localizeFieldMessage } from './fieldMessages'
import {
  MAX_DIAGNOSES,
  addDiagnosis,
  diagnosisChoices,
  diagnosisLabel,
  diagnosisLine,
  makePrimary,
  primaryFirst,
  removeDiagnosis,
} from './diagnoses'

const URI = { id: 1, code: 'J06.9', name: '急性上呼吸道感染' }
const FEVER = { id: 2, code: 'R50.9', name: '发热' }
const COUGH = { id: 3, code: 'R05', name: '咳嗽' }

function chosen(...entries: (typeof URI)[]): RecordDiagnosis[] {
  return entries.reduce<RecordDiagnosis[]>((list, e) => addDiagnosis(list, e), [])
}

const primaries = (list: RecordDiagnosis[]) => list.filter((d) => d.primary).map((d) => d.code)

describe('coded diagnoses', () => {
  it('makes the first one chosen the primary', () => {
    const list = chosen(URI, FEVER, COUGH)
    expect(list.map((d) => d.code)).toEqual(['J06.9', 'R50.9', 'R05'])
    expect(primaries(list)).toEqual(['J06.9'])
  })

  it('takes each diagnosis once and at most ten', () => {
    expect(chosen(URI, FEVER, URI)).toHaveLength(2)
    const many = Array.from({ length: MAX_DIAGNOSES + 2 }, (_, i) => ({ id: 100 + i, code: `X${i}`, name: `n${i}` }))
    expect(chosen(...many)).toHaveLength(MAX_DIAGNOSES)
  })

  it('moves the primary to the one the doctor marks, keeping a single one', () => {
    const list = makePrimary(chosen(URI, FEVER, COUGH), FEVER.id)
    expect(primaries(list)).toEqual(['R50.9'])
    expect(list.map((d) => d.code)).toEqual(['J06.9', 'R50.9', 'R05'])
    expect(makePrimary(list, 99)).toEqual(list)
  })

  it('passes the primary on when it is removed', () => {
    const list = makePrimary(chosen(URI, FEVER, COUGH), FEVER.id)
    expect(primaries(removeDiagnosis(list, URI.id))).toEqual(['R50.9'])
    const without = removeDiagnosis(list, FEVER.id)
    expect(without.map((d) => d.code)).toEqual(['J06.9', 'R05'])
    expect(primaries(without)).toEqual(['J06.9'])
    expect(removeDiagnosis(chosen(URI), URI.id)).toEqual([])
  })

  it('makes a new one primary when none is', () => {
    const list = addDiagnosis([{ diagnosis_id: 2, code: 'R50.9', name: '发热', primary: false }], URI)
    expect(primaries(list)).toEqual(['J06.9'])
  })

  it('sends the choices primary first', () => {
    const list = makePrimary(chosen(URI, FEVER, COUGH), COUGH.id)
    expect(diagnosisChoices(list)).toEqual([
      { diagnosis_id: 3, primary: true },
      { diagnosis_id: 1, primary: false },
      { diagnosis_id: 2, primary: false },
    ])
    expect(primaryFirst(list).map((d) => d.code)).toEqual(['R05', 'J06.9', 'R50.9'])
  })

  it('writes the diagnosis line: coded ones primary first, then the free text', () => {
    const list = makePrimary(chosen(FEVER, URI), URI.id)
    expect(diagnosisLabel(URI)).toBe('J06.9 急性上呼吸道感染')
    expect(diagnosisLine(list, null)).toBe('J06.9 急性上呼吸道感染；R50.9 发热')
    expect(diagnosisLine(list, '  咽部充血 ')).toBe('J06.9 急性上呼吸道感染；R50.9 发热；咽部充血')
    expect(diagnosisLine([], '急性上呼吸道感染')).toBe('急性上呼吸道感染')
    expect(diagnosisLine([], '  ')).toBe('')
  })

  it("reads the server's diagnosis messages in Chinese", () => {
    expect(localizeFieldMessage('is already in the dictionary', 'zh-CN')).toBe('该编码已在诊断字典中')
    expect(localizeFieldMessage('the diagnosis is no longer in use', 'zh-CN')).toBe('该诊断已停用')
    expect(localizeFieldMessage('exactly one must be the primary diagnosis', 'zh-CN')).toBe('须有且只有一个主要诊断')
    expect(localizeFieldMessage('must have at most 10 diagnoses', 'zh-CN')).toBe('最多 10 个诊断')
    expect(localizeFieldMessage('no such diagnosis', 'zh-CN')).toBe('不存在')
  })
})
