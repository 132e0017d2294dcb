/** Registry access: references, credentials, existence checks, visibility and the policies over them. */
export {
  parseReference,
  formatReference,
  normalizeDomain,
  registryBaseUrl,
  isLoopback,
  type ImageReference,
} from './reference.js';
export {
  findCredentials,
  describeCredentials,
  dockerConfigDir,
  type Credentials,
  type CredentialOptions,
  type ExplicitLogin,
} from './credentials.js';
export { RegistryClient, RegistryFailure, type RegistryOptions, type FailureCause } from './client.js';
export {
  checkExistence,
  checkOrUnknown,
  MANIFEST_ACCEPT,
  MEDIA_TYPES,
  type RegistryCheck,
  type UnknownCause,
} from './existence.js';
export {
  checkVisibility,
  probeVisibility,
  packagesApiVisibility,
  type VisibilityReport,
  type VisibilityOptions,
} from './visibility.js';
export { decideUnknown, checkRequirePublic, type UnknownDecision, type PublicCheck } from './policy.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
