export { installTokenAuth, PROTECTED_PREFIX } from './auth-hook';
export type { TokenAuthOptions } from './auth-hook';
export { ANONYMOUS, presentedSecret, TokenAuthenticator, withScopes } from './token-authenticator';
export type {
  AuthResult,
  Presentation,
  ScopedCredential,
  TokenAuthenticatorOptions,
} from './token-authenticator';
