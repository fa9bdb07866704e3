/** A deployment error, named as Apigee names it (e.g. `InvalidOperation`), pointing at the element at fault. */
export interface DeploymentError {
  /** Apigee's error name, e.g. `InvalidValueForExpiresIn`, `OperationRequired`, `UnknownPolicyType`. */
  code: string
  message: string
  proxy: string
  /** Bundle file: `policies/<name>.xml`, `proxies/<name>.xml`, `targets/<name>.xml`, `resources/<path>`. */
  file: string
  /** Element path inside the file, e.g. `/OAuthV2/ExpiresIn`. */
  path?: string
  line?: number
  column?: number
}

/**
 * Something in a bundle Gatelab cannot run, which does not stop the bundle deploying: an Apigee policy type
 * Gatelab cannot run (its steps raise `gatelab.UnsupportedPolicy` unless the proxy marks the policy skip),
 * or a HostedTarget / Node.js ScriptTarget (requests routed to it raise `gatelab.UnsupportedTarget`).
 */
export interface DeploymentWarning {
  code: 'UnsupportedPolicy' | 'UnsupportedTarget'
  message: string
  proxy: string
  file: string
  path?: string
  line?: number
  column?: number
  /** `desktop`: needs a JVM, Python or a Google Cloud service; `not-implemented`: Gatelab does not run it yet. */
  reason: 'desktop' | 'not-implemented'
  /** UnsupportedPolicy: the policy's name and XML type (`Script` is the Python Script policy). */
  policy?: string
  policyType?: string
  /** UnsupportedPolicy: every step using the policy, as `proxies/default.xml PreFlow Request`. */
  steps: string[]
}

/** Where one proxy runs: the revision serving an environment, or why none does. */
export interface ProxyDeployment {
  proxy: string
  environment: string
  /** `deployed`: serving traffic; `failed`: the latest save did not deploy (an older revision may still serve). */
  state: 'deployed' | 'failed'
  /** Revision serving traffic, or null when none does. */
  revision: number | null
  basePath: string
  errors: DeploymentError[]
  /** What the running revision (or, when failed, the failed bundle) cannot run; never blocks a deployment. */
  warnings: DeploymentWarning[]
}

/** A gateway listener of one environment. */
export interface ListenerStatus {
  environment: string
  host: string
  port: number
  url: string
  state: 'started' | 'stopped' | 'port-in-use' | 'error'
  hostAliases: string[]
  error?: string
  /**
   * While the port is in use: how many attempts have failed and when (epoch ms, wall clock) the next one
   * is made. Retries back off from 0.5 s to every 10 s and go on while the environment keeps the port.
   */
  retry?: { attempts: number; nextAttemptAt: number }
}
