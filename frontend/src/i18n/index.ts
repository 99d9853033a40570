// vue-i18n: zh-CN by default, English available; the choice is remembered in this browser. The English
// catalogue is fetched only when English is chosen, so the first load carries one language; the accounting
// screens' messages are fetched with the first of those screens, in the language shown.
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'

export type MessageSchema = typeof zhCN
export type Locale = 'zh-CN' | 'en'
const LOCALE_KEY = 'hospital.locale'

function savedLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY)
    if (saved === 'en' || saved === 'zh-CN') return saved
  } catch {
    // storage unavailable: the default
  }
  return 'zh-CN'
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN } as Record<Locale, MessageSchema>,
  missingWarn: false,
  fallbackWarn: false,
})

let english: Promise<void> | null = null

function loadMessages(locale: Locale): Promise<void> {
  if (locale !== 'en') return Promise.resolve()
  english ??= import('./en')
    // Merged, not set: a section's English may have arrived first.
    .then((m) => i18n.global.mergeLocaleMessage('en', m.default))
    .catch((e: unknown) => {
      english = null
      throw e
    })
  return english
}

/** Message sections that load with their screens, not with the app. */
export type Section = 'accounting'

const SECTIONS: Record<Section, Record<Locale, () => Promise<{ default: object }>>> = {
  accounting: { 'zh-CN': () => import('./accounting/zh-CN'), en: () => import('./accounting/en') },
}
const wanted = new Set<Section>()
const sectionLoads = new Map<string, Promise<void>>()
/** The language being switched to (or shown), so a section asked for meanwhile loads in it too. */
let target: Locale = 'zh-CN'

function loadSection(section: Section, locale: Locale): Promise<void> {
  const key = `${section}:${locale}`
  let load = sectionLoads.get(key)
  if (!load) {
    load = SECTIONS[section][locale]()
      .then((m) => i18n.global.mergeLocaleMessage(locale, m.default as MessageSchema))
      .catch((e: unknown) => {
        sectionLoads.delete(key)
        throw e
      })
    sectionLoads.set(key, load)
  }
  return load
}

/** Makes a section's messages available, now and after a language switch (the router asks before a screen). */
export function loadMessageSection(section: Section): Promise<void> {
  wanted.add(section)
  const english = target === 'en' || i18n.global.locale.value === 'en'
  // Chinese is the fallback of every key, so it is there too when English is shown.
  return Promise.all([loadSection(section, 'zh-CN'), english ? loadSection(section, 'en') : null]).then(
    () => undefined,
  )
}

function apply(locale: Locale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
}

/** Remembers the choice at once, so a page loaded while its catalogue is still on the way opens in it (and
 * `restoreLocale` falls back to Chinese should it never arrive), then switches once the catalogue is in. */
export async function setLocale(locale: Locale): Promise<void> {
  target = locale
  try {
    localStorage.setItem(LOCALE_KEY, locale)
  } catch {
    // not remembered
  }
  await loadMessages(locale)
  await Promise.all([...wanted].map((section) => loadSection(section, locale)))
  apply(locale)
}

/** The remembered language, ready to show; Chinese when its catalogue cannot be fetched. */
export async function restoreLocale(): Promise<void> {
  const locale = savedLocale()
  target = locale
  try {
    await loadMessages(locale)
    await Promise.all([...wanted].map((section) => loadSection(section, locale)))
    apply(locale)
  } catch {
    target = 'zh-CN'
    apply('zh-CN')
  }
}
