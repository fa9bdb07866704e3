import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import type { IconName } from '@renderer/components/common/icons'

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown in the navigation and the window title. */
    title?: string
    icon?: IconName
    /** The navigation entry a route outside the navigation belongs to (the proxy editor: API Proxies). */
    nav?: string
  }
}

/**
 * Only finished views are routed: a half-built feature is hidden, not shown.
 * The order here is the order of the navigation (Alt+1..n follows it).
 */
export const viewRoutes: RouteRecordRaw[] = [
  { path: '/environments/:name?', name: 'environments', component: () => import('@renderer/views/EnvironmentsView.vue'), meta: { title: 'Environments', icon: 'environment' } },
  { path: '/proxies/:name?', name: 'proxies', component: () => import('@renderer/views/ProxiesView.vue'), meta: { title: 'API Proxies', icon: 'proxy' } },
  { path: '/products/:name?', name: 'products', component: () => import('@renderer/views/ProductsView.vue'), meta: { title: 'API Products', icon: 'product' } },
  { path: '/developers/:name?', name: 'developers', component: () => import('@renderer/views/DevelopersView.vue'), meta: { title: 'Developers', icon: 'developer' } },
  { path: '/apps/:name?', name: 'apps', component: () => import('@renderer/views/AppsView.vue'), meta: { title: 'Apps', icon: 'app' } },
  { path: '/bindings', name: 'bindings', component: () => import('@renderer/views/BindingsView.vue'), meta: { title: 'Bindings', icon: 'graph' } },
  { path: '/access', name: 'access', component: () => import('@renderer/views/AccessView.vue'), meta: { title: 'Access', icon: 'shield' } },
  { path: '/workbench', name: 'workbench', component: () => import('@renderer/views/WorkbenchView.vue'), meta: { title: 'Workbench', icon: 'workbench' } },
  { path: '/traces/:id?', name: 'traces', component: () => import('@renderer/views/TracesView.vue'), meta: { title: 'Traces', icon: 'trace' } }
]

export function createAppRouter() {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/environments' },
      ...viewRoutes,
      // Not in the navigation: reached from a proxy's detail (Open editor).
      { path: '/proxies/:name/edit', name: 'proxy-editor', component: () => import('@renderer/components/proxy-editor/ProxyEditor.vue'), meta: { title: 'Proxy editor', nav: 'proxies' } },
      { path: '/:rest(.*)*', redirect: '/environments' }
    ]
  })
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Gatelab` : 'Gatelab'
  })
  return router
}
