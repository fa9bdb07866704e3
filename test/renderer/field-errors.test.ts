import { describe, expect, it } from 'vitest'
import { fieldOfIssue } from '@renderer/composables/fieldErrors'

const fields = ['name', 'port', 'hostAliases', 'variables', 'apiProducts'] as const

describe('fieldOfIssue: which form field an API issue belongs to', () => {
  it.each([
    // [issue path, wrappers, expected field, expected message]
    ['environment.port', ['environment', 'patch'], 'port', 'must be between 1 and 65535'],
    ['patch.port', ['environment', 'patch'], 'port', 'must be between 1 and 65535'],
    ['port', ['environment', 'patch'], 'port', 'must be between 1 and 65535'],
    ['environment.hostAliases.1', ['environment', 'patch'], 'hostAliases', 'Entry 2: must be between 1 and 65535'],
    ['environment.variables.0.name', ['environment', 'patch'], 'variables', 'Entry 1 (name): must be between 1 and 65535'],
    ['app.apiProducts.2', ['app', 'patch'], 'apiProducts', 'Entry 3: must be between 1 and 65535']
  ])('%s -> %s', (path, wrappers, field, message) => {
    expect(fieldOfIssue({ field: path, message: 'must be between 1 and 65535' }, wrappers, fields)).toEqual({ field, message })
  })

  it('returns null for a path that names no field of the form', () => {
    expect(fieldOfIssue({ field: 'environment.unknownThing', message: 'x' }, ['environment'], fields)).toBeNull()
    expect(fieldOfIssue({ field: '', message: 'x' }, ['environment'], fields)).toBeNull()
  })

  it('does not strip a wrapper that is itself a field of the form', () => {
    expect(fieldOfIssue({ field: 'name', message: 'is required' }, ['name'], fields)).toEqual({ field: 'name', message: 'is required' })
  })
})
