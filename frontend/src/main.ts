import { createApp } from 'vue'
import { createPinia } from 'pinia'
// The message, confirm box and loading services are called from code, so their styles are not picked up
// by the component resolver.
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import 'element-plus/es/components/loading/style/css'
import './styles/main.css'
import App from './App.vue'
import { i18n, restoreLocale } from './i18n'
import { router } from './router'
import { useAuthStore } from './stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(i18n).use(router)

const auth = useAuthStore(pinia)
auth.onSessionEnded((reason) => {
  const current = router.currentRoute.value
  if (current.meta.public) return
  void router.replace({
    name: 'login',
    query: reason === 'expired' && current.fullPath !== '/' ? { redirect: current.fullPath } : {},
  })
})

void restoreLocale().finally(() => app.mount('#app'))
