/**
 * StatisticsCollector: collects custom analytics values from flow variables. Gatelab has no analytics store, so
 * the trace step records each statistic with its name, type and value.
 */
import { child, children } from '../../bundle/xml'
import type { PolicyHandler } from '../types'
import { traceSafe } from './trace-safe'

const TYPES = ['string', 'integer', 'float', 'long', 'double', 'boolean'] as const
type StatisticType = (typeof TYPES)[number]

interface Statistic {
  name: string
  ref: string
  type: StatisticType
  /** The element text: the value used when `ref` does not resolve. */
  defaultValue: string
}

export interface StatisticsCollectorConfig {
  statistics: Statistic[]
}

/** Analytics dimension names: letters, digits and underscores, starting with a letter [U]. */
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/
/** Names that collide with Apigee's own analytics dimensions and variable prefixes [U: a representative list]. */
const RESERVED = new Set(['request', 'response', 'client', 'target', 'proxy', 'apiproxy', 'environment', 'organization', 'system', 'message', 'error', 'fault', 'developer', 'api_product', 'apiproduct', 'developer_app', 'client_id', 'request_uri', 'request_verb', 'response_status_code', 'useragent'])

/** The value as the statistic's type, or undefined when it cannot be one [U: Apigee then records nothing]. */
function typed(value: string, type: StatisticType): string | number | boolean | undefined {
  const t = value.trim()
  switch (type) {
    case 'string':
      return value
    case 'integer':
    case 'long': {
      if (!/^[-+]?\d+$/.test(t)) return undefined
      const n = Number(t)
      const max = type === 'integer' ? 2 ** 31 : 2 ** 63
      return n >= -max && n < max ? n : undefined
    }
    case 'float':
    case 'double':
      return t !== '' && Number.isFinite(Number(t)) ? Number(t) : undefined
    case 'boolean':
      return t.toLowerCase() === 'true' ? true : t.toLowerCase() === 'false' ? false : undefined
  }
}

/** The StatisticsCollector policy handler. */
export const statisticsCollectorPolicy: PolicyHandler<StatisticsCollectorConfig> = {
  type: 'StatisticsCollector',
  faultVariablePrefix: 'statisticscollector',
  compile(root, ctx) {
    const statistics: Statistic[] = []
    for (const el of children(child(root, 'Statistics') ?? root, 'Statistic')) {
      const name = (el.attributes.name ?? '').trim()
      const ref = (el.attributes.ref ?? '').trim()
      const type = el.attributes.type?.trim().toLowerCase()
      if (!NAME.test(name) || RESERVED.has(name.toLowerCase())) {
        ctx.error('InvalidName', `<Statistic name="${name}">: the name must be letters, digits and underscores and must not be a system dimension or variable prefix`, el)
      }
      if (ref === '') ctx.error('InvalidRef', `<Statistic name="${name}"> needs a ref attribute naming a flow variable`, el)
      if (type === undefined || type === '') ctx.error('DatatypeMissing', `<Statistic name="${name}"> needs a type attribute (${TYPES.join(', ')})`, el)
      else if (!(TYPES as readonly string[]).includes(type)) ctx.error('UnsupportedDatatype', `<Statistic name="${name}">: unsupported type "${el.attributes.type}" (use ${TYPES.join(', ')})`, el)
      statistics.push({ name, ref, type: (type ?? 'string') as StatisticType, defaultValue: el.text })
    }
    if (statistics.length === 0) ctx.error('InvalidConfiguration', 'StatisticsCollector needs at least one <Statistics><Statistic>')
    return { statistics }
  },
  execute(config, ctx) {
    const recorded: string[] = []
    const vars = traceSafe(ctx.variables)
    for (const s of config.statistics) {
      const resolved = vars.getString(s.ref)
      const source = resolved ?? s.defaultValue
      const value = typed(source, s.type)
      const from = resolved === undefined ? `default, ${s.ref} unresolved` : s.ref
      recorded.push(value === undefined ? `${s.name} (${s.type}) not recorded: "${source}" is not a ${s.type}` : `${s.name} (${s.type}) = ${JSON.stringify(value)} from ${from}`)
    }
    ctx.note(`Statistics collected (kept in the trace, no analytics store): ${recorded.join('; ')}`)
  }
}
