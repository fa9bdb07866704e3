/** Observation policies: MessageLogging, StatisticsCollector, AssertCondition, HMAC (nothing leaves the machine). */
import type { PolicyHandler } from '../types'
import { messageLoggingPolicy } from './message-logging'
import { statisticsCollectorPolicy } from './statistics-collector'
import { assertConditionPolicy } from './assert-condition'
import { hmacPolicy } from './hmac'

export const observePolicies: PolicyHandler<any>[] = [messageLoggingPolicy, statisticsCollectorPolicy, assertConditionPolicy, hmacPolicy]
