/** Apigee's JWT policies: GenerateJWT, VerifyJWT and DecodeJWT (JWS, HS/RS/PS/ES). */
import type { PolicyHandler } from '../types'
import { decodeJwtPolicy } from './decode-jwt'
import { generateJwtPolicy } from './generate-jwt'
import { verifyJwtPolicy } from './verify-jwt'

export const jwtPolicies: PolicyHandler<any>[] = [decodeJwtPolicy, generateJwtPolicy, verifyJwtPolicy]
