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
