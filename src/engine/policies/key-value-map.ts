/**
 * KeyValueMapOperations: reads the environment's variables, which Gatelab models as the
 * environment-scoped key value map. Keys are built from `<Parameter>` values (joined by `__`, as Apigee joins composite keys).
 */
import { child, children, type XmlElement } from '../bundle/xml'
import type { CompileContext, PolicyHandler } from './types'

type KeyPart = { literal: string } | { ref: string }

interface GetOperation {
  assignTo: string
  key: KeyPart[]
  /** 1-based index into a comma-separated value; null = the whole value. */
  index: number | null
}

export interface KeyValueMapConfig {
  mapIdentifier: string
  gets: GetOperation[]
}

function compileKey(op: XmlElement, ctx: CompileContext): KeyPart[] {
  const keyEl = child(op, 'Key')
  const parts = keyEl ? children(keyEl, 'Parameter') : []
  if (parts.length === 0) ctx.error('KeyIsMissing', `<${op.name}> needs <Key><Parameter>...</Parameter></Key>`, keyEl ?? op)
  return parts.map((p) => (p.attributes['ref'] ? { ref: p.attributes['ref'] } : { literal: p.text }))
}

/** The KeyValueMapOperations policy handler (read-only over the environment variables). */
export const keyValueMapPolicy: PolicyHandler<KeyValueMapConfig> = {
  type: 'KeyValueMapOperations',
  faultVariablePrefix: 'keyvaluemapoperations',
  compile(root, ctx) {
    for (const write of [...children(root, 'Put'), ...children(root, 'Delete')]) {
      ctx.error(
        'UnsupportedOperation',
        `KeyValueMapOperations <${write.name}> is not supported: Gatelab's key value map is the environment's variables, edited in the console`,
        write
      )
    }
    const gets = children(root, 'Get').map((get) => {
      const assignTo = get.attributes['assignTo'] ?? ''
      if (assignTo === '') ctx.error('AssignToRequired', '<Get> needs an assignTo attribute', get)
      const indexText = get.attributes['index']
      let index: number | null = null
      if (indexText !== undefined) {
        index = Number(indexText)
        if (!Number.isInteger(index) || index < 1) ctx.error('InvalidIndex', `index must be a positive integer, got "${indexText}"`, get)
      }
      return { assignTo, key: compileKey(get, ctx), index }
    })
    if (gets.length === 0 && children(root, 'Put').length === 0 && children(root, 'Delete').length === 0) {
      ctx.error('OperationRequired', 'KeyValueMapOperations needs at least one <Get>', root)
    }
    return { mapIdentifier: root.attributes['mapIdentifier'] ?? '', gets }
  },
  execute(config, ctx) {
    const entries = new Map(ctx.environment.variables.map((v) => [v.name, v.value]))
    for (const get of config.gets) {
      const parts: string[] = []
      for (const part of get.key) {
        const value = 'literal' in part ? part.literal : ctx.variables.getString(part.ref)
        if (value === undefined) {
          ctx.note(`key part ${'ref' in part ? part.ref : ''} is unresolved; ${get.assignTo} not set`)
          parts.length = 0
          break
        }
        parts.push(value)
      }
      if (parts.length === 0) continue
      const key = parts.join('__')
      const value = entries.get(key)
      if (value === undefined) {
        ctx.note(`key ${key} is not in environment ${ctx.environment.name}`)
        continue
      }
      const selected = get.index === null ? value : value.split(',')[get.index - 1]
      if (selected !== undefined) ctx.variables.set(get.assignTo, selected)
    }
  }
}
