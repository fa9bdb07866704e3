/** Extension policies: ServiceCallout (out through the HttpClient port) and the cache policies, ResponseCache included (CacheStore port). */
import type { PolicyHandler } from '../types'
import { invalidateCachePolicy, lookupCachePolicy, populateCachePolicy } from './cache'
import { responseCachePolicy } from './response-cache'
import { serviceCalloutPolicy } from './service-callout'

export const extensionPolicies: PolicyHandler<any>[] = [serviceCalloutPolicy, populateCachePolicy, lookupCachePolicy, invalidateCachePolicy, responseCachePolicy]
