/**
 * MessageLogging: renders a Syslog and/or Cloud Logging message from a template. Gatelab sends nothing off the
 * machine: the trace step records the rendered message and where Apigee would have sent it.
 */
import { child, childText, children, xmlBoolean, type XmlElement } from '../../bundle/xml'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import { compileTemplate, renderTemplate, type MessageTemplate } from '../../runtime/template'
import type { CompileContext, PolicyHandler } from '../types'
import { traceSafe } from './trace-safe'

interface SyslogConfig {
  message: MessageTemplate
  host: string
  port: number
  protocol: 'TCP' | 'UDP'
  formatMessage: boolean
}

interface CloudLoggingConfig {
  logName: MessageTemplate
  message: MessageTemplate
  contentType: string
  labels: Array<{ key: string; value: MessageTemplate }>
}

export interface MessageLoggingConfig {
  syslog: SyslogConfig | null
  cloudLogging: CloudLoggingConfig | null
  /** Syslog severity from `<logLevel>`. */
  severity: number
}

/** Syslog severities by Apigee's `<logLevel>` names (RFC 5424 numbering). */
const SEVERITIES: Record<string, number> = { EMERGENCY: 0, ALERT: 1, CRITICAL: 2, ERROR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 }
/** Facility `user` (1) [U]: Apigee does not document the facility it writes. */
const FACILITY = 1
const LOG_NAME = /^projects\/[^/]+\/logs\/[^/]+$/

/** MessageLogging runtime faults. */
export const messageLoggingFaults = {
  executionFailed: (policy: string, reason: string): FaultSpec => ({
    name: 'StepDefinitionExecutionFailed',
    status: 500,
    errorcode: 'steps.messagelogging.StepDefinitionExecutionFailed',
    faultstring: `Failed to execute the MessageLogging StepDefinition ${policy}. Reason: ${reason}`
  })
}

function compileSyslog(el: XmlElement, ctx: CompileContext): SyslogConfig {
  const protocolText = (childText(el, 'Protocol') ?? '').trim()
  const protocol = protocolText === '' ? 'UDP' : protocolText.toUpperCase()
  if (protocol !== 'TCP' && protocol !== 'UDP') ctx.error('InvalidProtocol', `<Protocol> must be TCP or UDP, got "${protocolText}"`, child(el, 'Protocol'))
  const portText = (childText(el, 'Port') ?? '').trim()
  const port = portText === '' ? 514 : /^\d+$/.test(portText) ? Number(portText) : NaN
  if (!(port >= 1 && port <= 65535)) ctx.error('InvalidPort', `<Port> must be a port number from 1 to 65535, got "${portText}"`, child(el, 'Port'))
  const host = (childText(el, 'Host') ?? '').trim()
  if (host === '') ctx.error('InvalidHost', '<Syslog> needs a <Host>', el)
  const message = childText(el, 'Message')
  if (message === undefined) ctx.error('InvalidMessage', '<Syslog> needs a <Message>', el)
  return {
    message: compileTemplate(message ?? ''),
    host,
    port,
    protocol: protocol === 'TCP' ? 'TCP' : 'UDP',
    formatMessage: xmlBoolean(childText(el, 'FormatMessage'), false)
  }
}

function compileCloudLogging(el: XmlElement, ctx: CompileContext): CloudLoggingConfig {
  const logName = (childText(el, 'LogName') ?? '').trim()
  if (logName === '') ctx.error('InvalidLogName', '<CloudLogging> needs a <LogName> (projects/{project}/logs/{log})', el)
  const messageEl = child(el, 'Message')
  if (!messageEl) ctx.error('InvalidMessage', '<CloudLogging> needs a <Message>', el)
  const labels = children(child(el, 'Labels') ?? el, 'Label').map((label) => {
    const key = (childText(label, 'Key') ?? '').trim()
    if (key === '') ctx.error('InvalidLabel', '<Label> needs a <Key>', label)
    return { key, value: compileTemplate(childText(label, 'Value') ?? '') }
  })
  return {
    logName: compileTemplate(logName),
    message: compileTemplate(messageEl?.text ?? ''),
    contentType: messageEl?.attributes.contentType ?? 'text/plain',
    labels
  }
}

/** The MessageLogging policy handler. */
export const messageLoggingPolicy: PolicyHandler<MessageLoggingConfig> = {
  type: 'MessageLogging',
  faultVariablePrefix: 'messagelogging',
  compile(root, ctx) {
    const syslogEl = child(root, 'Syslog')
    const cloudEl = child(root, 'CloudLogging')
    if (!syslogEl && !cloudEl) ctx.error('InvalidConfiguration', 'MessageLogging needs <Syslog> or <CloudLogging>')
    const levelText = (childText(root, 'logLevel') ?? 'INFO').trim().toUpperCase()
    const severity = SEVERITIES[levelText]
    if (severity === undefined) ctx.error('InvalidLogLevel', `<logLevel> must be one of ${Object.keys(SEVERITIES).join(', ')}, got "${levelText}"`, child(root, 'logLevel'))
    return {
      syslog: syslogEl ? compileSyslog(syslogEl, ctx) : null,
      cloudLogging: cloudEl ? compileCloudLogging(cloudEl, ctx) : null,
      severity: severity ?? 6
    }
  },
  execute(config, ctx) {
    // The message is only shown in the trace, so secrets in private. variables are masked there.
    const vars = traceSafe(ctx.variables)
    if (config.syslog) {
      const s = config.syslog
      let line = renderTemplate(s.message, vars)
      if (s.formatMessage) {
        // RFC 5424 header [U: Apigee's exact header fields are not documented]: PRI, version, time, host, app.
        const time = new Date(ctx.services.clock.now()).toISOString()
        const app = `${vars.getString('organization.name') ?? '-'}-${ctx.proxy.name}-${ctx.environment.name}`
        line = `<${FACILITY * 8 + config.severity}>1 ${time} gatelab ${app} - - - ${line}`
      }
      ctx.note(`Syslog message not sent (Gatelab sends nothing off the machine); would go to ${s.host}:${s.port} over ${s.protocol}: ${line}`)
    }
    if (config.cloudLogging) {
      const c = config.cloudLogging
      const logName = renderTemplate(c.logName, vars)
      if (!LOG_NAME.test(logName)) {
        throw new PolicyFault(messageLoggingFaults.executionFailed(ctx.policyName, `LogName "${logName}" is not of the form projects/{project}/logs/{log}`))
      }
      const labels = c.labels.map((l) => `${l.key}=${renderTemplate(l.value, vars)}`)
      ctx.note(
        `Cloud Logging entry not sent (Gatelab sends nothing off the machine); would go to ${logName} as ${c.contentType}` +
          `${labels.length > 0 ? ` with labels ${labels.join(', ')}` : ''}: ${renderTemplate(c.message, vars)}`
      )
    }
  }
}
