/** The gateway runtime: engine, exchanges, messages and flow variables. */
export { createEngine, pathSuffixOf } from './engine'
export type { Engine, EngineDeps, DeploymentReport, ProxyDeploymentResult, DeploymentInfo } from './engine'
export { runExchange, targetUrl, ECHO_VARIABLES } from './exchange'
export type { GatewayRequest, GatewayResponse, ExchangeRoute } from './exchange'
export { HttpMessage, RequestMessage, reasonPhraseFor, parseUrlEncoded, formatUrlEncoded } from './message'
export { ExchangeVariables, variableToString } from './variables'
export { compileTemplate, renderTemplate } from './template'
export type { MessageTemplate } from './template'
