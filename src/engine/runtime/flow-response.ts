/**
 * A policy that answers the client itself without a fault (CORS's generated preflight response):
 * thrown by the policy, it ends the flows and the response goes out as it is (PostClientFlow still runs).
 * Not a PolicyFault: no fault variables, no error flow, no FaultRules.
 */
export class FlowResponse extends Error {
  constructor(
    readonly status: number,
    readonly headers: Array<[string, string]>,
    readonly body = ''
  ) {
    super(`flow ended with a ${status} response`)
    this.name = 'FlowResponse'
  }
}
