import { describe, expect, it } from 'vitest'
import zhCN from './zh-CN'
import en from './en'
import accountingZh from './accounting/zh-CN'
import accountingEn from './accounting/en'

type Tree = { [k: string]: string | Tree }

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))
}

// Every source file of the app, as text.
const sources = import.meta.glob<string>(['../**/*.vue', '../**/*.ts', '!../**/*.test.ts', '!../**/*.d.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
})

describe('message catalogues', () => {
  // The app's catalogue and the sections loaded with their screens: no key may be in both.
  const zhKeys = [...keys(zhCN as Tree), ...keys(accountingZh as Tree)]
  const zh = new Set(zhKeys)

  it('have the same keys in Chinese and English, each key in one catalogue only', () => {
    expect(zh.size).toBe(zhKeys.length)
    expect([...keys(en as Tree), ...keys(accountingEn as Tree)].sort()).toEqual([...zh].sort())
  })

  it('hold every key the code asks for', () => {
    const used = new Set<string>()
    const prefixes = new Set<string>()
    expect(Object.keys(sources).length).toBeGreaterThan(20)
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/\bt\(\s*(['`])([^'`]+)\1/g)) {
        const key = m[2] ?? ''
        if (key.includes('${')) prefixes.add(key.slice(0, key.indexOf('${')))
        else used.add(key)
      }
    }
    expect([...used].filter((k) => !zh.has(k))).toEqual([])
    expect([...prefixes].filter((p) => ![...zh].some((k) => k.startsWith(p)))).toEqual([])
  })

  it('use no characters vue-i18n would read as syntax', () => {
    const values = (tree: Tree): string[] =>
      Object.values(tree).flatMap((v) => (typeof v === 'string' ? [v] : values(v)))
    const all = [zhCN, en, accountingZh, accountingEn].flatMap((c) => values(c as Tree))
    for (const v of all) expect(v).not.toMatch(/[@|$]/)
  })
})
