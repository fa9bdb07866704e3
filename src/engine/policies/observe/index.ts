/** Observation policies: MessageLogging, StatisticsCollector, AssertCondition, HMAC, RegularExpressionProtection, DataCapture. */
import type { PolicyHandler } from '../types'
import { messageLoggingPolicy } from './message-logging'
import { statisticsCollectorPolicy } from './statistics-collector'
import { assertConditionPolicy } from './assert-condition'
import { hmacPolicy } from './hmac'
import { regexProtectionPolicy } from './regex-protection'
import { dataCapturePolicy } from './data-capture'

export const observePolicies: PolicyHandler<any>[] = [messageLoggingPolicy, statisticsCollectorPolicy, assertConditionPolicy, hmacPolicy, regexProtectionPolicy, dataCapturePolicy]
