/** Entity kinds the renderer caches; `workspace.changed` names one (or none = everything). */
export type EntityKind = 'organization' | 'environments' | 'proxies' | 'products' | 'developers' | 'apps'

/** What else must be refetched when one kind changes (renames and cascades reach these). */
const dependents: Record<EntityKind, EntityKind[]> = {
  organization: [],
  environments: ['proxies', 'products'],
  proxies: ['products'],
  products: ['apps'],
  developers: ['apps'],
  apps: []
}

/** Maps the event's entity name to a kind; unknown or null means "refetch everything". */
export function kindOfEntity(entity: string | null): EntityKind | null {
  if (!entity) return null
  const e = entity.toLowerCase()
  if (e.includes('product')) return 'products'
  if (e.startsWith('environment') || e === 'env') return 'environments'
  if (e.startsWith('prox')) return 'proxies'
  if (e.startsWith('developer') && !e.includes('app')) return 'developers'
  if (e.includes('app') || e.includes('credential')) return 'apps'
  if (e.startsWith('organization') || e === 'org') return 'organization'
  return null
}

/** Whether a change to `entity` makes a cache of `kind` stale. */
export function changeAffects(entity: string | null, kind: EntityKind): boolean {
  const changed = kindOfEntity(entity)
  if (changed === null) return true
  return changed === kind || dependents[changed].includes(kind)
}
