/** Bundle XML reading and deployment compilation. */
export { parseXml, child, children, childText, xmlBoolean } from './xml'
export type { XmlElement, XmlParseError, XmlParseResult } from './xml'
export { compileProxy, parseSuccessCodes, ECHO_SCHEME, DEFAULT_TARGET_TIMEOUT_MS } from './compile'
export type {
  CompiledProxy,
  CompiledProxyEndpoint,
  CompiledTargetEndpoint,
  CompiledEndpoint,
  CompiledFlow,
  CompiledStep,
  CompiledPolicy,
  CompiledRouteRule,
  CompiledFaultRule,
  CompiledDefaultFaultRule,
  CompiledCondition,
  TargetConnection
} from './compile'
