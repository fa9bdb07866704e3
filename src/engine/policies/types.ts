/**
 * The contract between the runtime and the policies. A policy is compiled once at deployment
 * (XML -> typed config, with deployment errors) and executed per request against a PolicyContext.
 * Policies talk to the message mostly through flow variables, as on Apigee.
 */
import type { XmlElement } from '../bundle/xml'
import type { ApiProxy, Environment, Workspace } from '../../shared/model'
import type { CacheStore, Clock, CounterStore, HttpClient, RandomSource } from '../ports'
import type { TokenStore } from '../tokens/store'
import type { ScriptSandbox } from '../sandbox'

export type { DeploymentError } from '../../shared/deployment'

export interface CompileContext {
  proxy: ApiProxy
  policyName: string
  /** `policies/<name>.xml` */
  file: string
  /** Records a deployment error for `el` (or the policy root); compilation goes on to collect all errors. */
  error(code: string, message: string, el?: XmlElement): void
}

/** Flow variables of one message exchange (request.*, response.*, policy outputs, environment variables, ...). */
export interface FlowVariables {
  /** The value, or undefined when the variable is unresolved (Apigee's null). */
  get(name: string): unknown
  /** The value converted to a string, or undefined when unresolved. */
  getString(name: string): string | undefined
  set(name: string, value: unknown): void
  remove(name: string): void
  /** Every resolvable variable name with a value, for traces and explanations. */
  snapshot(): Record<string, string>
}

/** A request or response message the policies can change. Header names are case-insensitive. */
export interface MutableMessage {
  getHeader(name: string): string | undefined
  getHeaderValues(name: string): string[]
  setHeader(name: string, value: string): void
  addHeader(name: string, value: string): void
  removeHeader(name: string): void
  headerList(): Array<[string, string]>
  /** Body as text (UTF-8). */
  content: string
  /** Response only: status code and reason phrase. */
  status: number
  reasonPhrase: string
}

/** Services every policy may use. */
export interface EngineServices {
  clock: Clock
  random: RandomSource
  tokens: TokenStore
  http: HttpClient
  /** Where untrusted scripts run, with time and memory limits. */
  scripts: ScriptSandbox
  /** Quota and SpikeArrest counters, on the engine clock. */
  counters: CounterStore
  /** PopulateCache / LookupCache / InvalidateCache entries, on the engine clock. */
  caches: CacheStore
  /** The workspace the current deployment was built from. */
  workspace(): Workspace
}

export interface PolicyContext {
  /** The policy's name attribute. */
  readonly policyName: string
  readonly variables: FlowVariables
  readonly request: MutableMessage
  readonly response: MutableMessage
  /** Which flow the step runs in: Apigee behaviour differs (e.g. GenerateAccessToken in the response flow). */
  readonly flow: 'request' | 'response' | 'error'
  readonly environment: Environment
  readonly proxy: { name: string; basePath: string; revision: string }
  readonly services: EngineServices
  /** Adds a plain-language note to this step's trace (e.g. "token found, expires in 3581 s"). */
  note(text: string): void
  /**
   * Headers set on the response when it is sent to the client, whatever produced it (CORS attached to the
   * request flow: the response does not exist yet). Absent in contexts that never send a response.
   */
  setHeadersOnSend?(headers: Array<[string, string]>): void
}

/** One policy type: compiled once per deployment, executed per request. */
export interface PolicyHandler<Config = unknown> {
  /** The XML root element name, e.g. `OAuthV2`, `VerifyAPIKey`, `AssignMessage`. */
  readonly type: string
  /**
   * Variable prefix for the policy-scoped fault variables `<prefix>.<policy>.failed|fault.name|fault.cause`
   * (Apigee uses `oauthV2` for OAuthV2, GetOAuthV2Info and VerifyAPIKey).
   */
  readonly faultVariablePrefix: string
  /** Turns the policy XML into a typed config, reporting deployment errors through `ctx.error`. */
  compile(root: XmlElement, ctx: CompileContext): Config
  /** Runs the policy. Throws PolicyFault to raise a fault; anything else thrown becomes an internal fault. */
  execute(config: Config, ctx: PolicyContext): void | Promise<void>
}
