// vue-i18n: zh-CN by default, English available; the choice is remembered in this browser. The English
// catalogue is fetched only when English is chosen, so the first load carries one language.
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
    .then((m) => i18n.global.setLocaleMessage('en', m.default))
    .catch((e: unknown) => {
      english = null
      throw e
    })
  return english
}

function apply(locale: Locale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
}

/** Switches the language (fetching its catalogue first) and remembers the choice. */
export async function setLocale(locale: Locale): Promise<void> {
  await loadMessages(locale)
  apply(locale)
  try {
    localStorage.setItem(LOCALE_KEY, locale)
  } catch {
    // not remembered
  }
}

/** The remembered language, ready to show; Chinese when its catalogue cannot be fetched. */
export async function restoreLocale(): Promise<void> {
  const locale = savedLocale()
  try {
    await loadMessages(locale)
    apply(locale)
  } catch {
    apply('zh-CN')
  }
}
