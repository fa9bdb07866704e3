/**
 * AssertCondition: evaluates a condition with the gateway's condition language and stores the result in
 * `assertcondition.<policy>.truthValue`. A false condition is a result, not a fault (as Apigee documents it).
 */
import { child } from '../../bundle/xml'
import { evaluateCondition, parseCondition } from '../../conditions'
import type { ConditionNode } from '../../conditions'
import type { PolicyHandler } from '../types'

export interface AssertConditionConfig {
  source: string
  ast: ConditionNode | null
}

/** The AssertCondition policy handler. */
export const assertConditionPolicy: PolicyHandler<AssertConditionConfig> = {
  type: 'AssertCondition',
  faultVariablePrefix: 'assertcondition',
  compile(root, ctx) {
    const el = child(root, 'Condition')
    const source = el?.text ?? ''
    if (source.trim() === '') {
      ctx.error('InvalidCondition', 'AssertCondition needs a non-empty <Condition>', el)
      return { source, ast: null }
    }
    const parsed = parseCondition(source)
    if (!parsed.ok) {
      ctx.error('InvalidCondition', `<Condition> "${source}": ${parsed.error.message} at column ${parsed.error.column}`, el)
      return { source, ast: null }
    }
    return { source, ast: parsed.ast }
  },
  execute(config, ctx) {
    // The evaluator never throws (unresolved variables are null), so ConditionEvaluationFailed cannot arise here.
    const result = config.ast !== null && evaluateCondition(config.ast, (name) => ctx.variables.get(name))
    ctx.variables.set(`assertcondition.${ctx.policyName}.truthValue`, result)
    ctx.note(`${config.source} is ${result}`)
  }
}
