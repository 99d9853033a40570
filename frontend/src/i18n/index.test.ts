import { describe, expect, it } from 'vitest'
import { i18n, setLocale } from './index'

describe('the language switch', () => {
  it('remembers the choice at once, and shows it once its catalogue is in', async () => {
    localStorage.clear()
    const switching = setLocale('en')
    // A reload now (before the English catalogue arrives) already opens in English.
    expect(localStorage.getItem('hospital.locale')).toBe('en')
    await switching
    expect(i18n.global.locale.value).toBe('en')
    expect(document.documentElement.lang).toBe('en')
    await setLocale('zh-CN')
    expect(localStorage.getItem('hospital.locale')).toBe('zh-CN')
  })
})
