import { describe, expect, it } from 'vitest'
import { changeAffects, kindOfEntity } from '@renderer/stores/live'

describe('workspace.changed -> which caches refetch', () => {
  it.each([
    ['environments', 'environments'],
    ['proxies', 'proxies'],
    ['apiProducts', 'products'],
    ['developers', 'developers'],
    ['apps', 'apps'],
    ['organization', 'organization'],
    ['workspace', null],
    [null, null]
  ] as const)('%s is kind %s', (entity, kind) => {
    expect(kindOfEntity(entity)).toBe(kind)
  })

  it('refetches dependents: a product rename reaches apps, a developer change reaches apps, an environment change reaches proxies', () => {
    expect(changeAffects('apiProducts', 'apps')).toBe(true)
    expect(changeAffects('developers', 'apps')).toBe(true)
    expect(changeAffects('environments', 'proxies')).toBe(true)
    expect(changeAffects('apps', 'products')).toBe(false)
    expect(changeAffects('developers', 'environments')).toBe(false)
  })

  it('refetches everything when the whole workspace changed (import, reset)', () => {
    for (const kind of ['environments', 'proxies', 'products', 'developers', 'apps'] as const) expect(changeAffects('workspace', kind)).toBe(true)
  })
})
