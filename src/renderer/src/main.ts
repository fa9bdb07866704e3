import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createAppRouter } from './router'
import { useApi } from './api'
import './assets/base.css'

// Read the secret from the URL fragment before the router takes over the fragment.
useApi()

const app = createApp(App)
app.use(createPinia())
app.use(createAppRouter())
app.mount('#app')
