export { toLatchkeyAccount, MODULE_TYPE_VALIDATOR, type ToLatchkeyAccountParameters, type ToLatchkeyAccountReturnType } from './accounts/toLatchkeyAccount.ts'
export {
  toLatchkey7702Account,
  delegationOf,
  Eip7702DelegationError,
  type ToLatchkey7702AccountParameters,
  type ToLatchkey7702AccountReturnType,
} from './accounts/toLatchkey7702Account.ts'
export { latchkeyAccountAddress, type ModuleInit, type LatchkeyAccountAddressParameters } from './accounts/latchkeyAccountAddress.ts'
export { validatorNonceKey, OWNER_NONCE_KEY } from './accounts/nonceKey.ts'
export { accountLayouts, accountKindFromId, resolveAccountLayout, type AccountLayout, type Erc7579AccountKind } from './accounts/accountLayout.ts'
export { managerRefusalReason } from './userOperation/managerRefusal.ts'
export { userOperationFees } from './userOperation/userOperationFees.ts'
export { encodeExecute, decodeExecute, isCanonicalExecute, executionMode, erc7579ExecuteAbi, type Call } from './erc7579/execution.ts'
export { LatchkeyError, type LatchkeyErrorParameters } from './errors/LatchkeyError.ts'
export { UserOperationDroppedError, UserOperationRevertedError, InvalidParameterError } from './errors/userOperation.ts'
export { waitForUserOperation, type WaitForUserOperationParameters, type WaitForUserOperationReturnType } from './actions/waitForUserOperation.ts'
export { sendUserOperationAndWait, type SendUserOperationAndWaitParameters, type SendUserOperationAndWaitReturnType } from './actions/sendUserOperationAndWait.ts'
export { sizeVerificationGas, UserOperationValidationError, type SizeVerificationGasParameters } from './userOperation/sizeVerificationGas.ts'
export { replayHandleOps, describeRevert, type ReplayOutcome } from './userOperation/replayHandleOps.ts'
export { toSessionAccount, type ToSessionAccountParameters, type ToSessionAccountReturnType } from './accounts/toSessionAccount.ts'
export { ANY_TARGET, ANY_SELECTOR, EMPTY_CALLDATA, ECDSA_SIGNER, assertValidSession, type Permission, type Session } from './sessions/session.ts'
export { createSession, permission, type CreateSessionParameters, type PermissionParameters } from './sessions/createSession.ts'
export { encodeSession, sessionDigest, sessionTypedHash, sessionManagerDomain, sessionTypes } from './sessions/sessionEncoding.ts'
export { buildSessionTree, sessionLeaf, sessionRootFromProof, type SessionTree } from './sessions/merkleTree.ts'
export { serializeSessionGrant, parseSessionGrant, type SessionGrant } from './sessions/sessionGrant.ts'
export { checkSessionCalls, TIME_MARGIN_SECONDS, type CheckSessionCallsParameters, type SessionCheckResult, type SessionChainState, type ResolvedCall } from './sessions/checkSessionCalls.ts'
export { readSessionState, type SessionState, type SessionMode, type ReadSessionStateOptions } from './sessions/readSessionState.ts'
export { encodeSessionSignature, grantProof, sessionSignatureMode, sessionSigningHash } from './sessions/sessionSignature.ts'
export {
  BATCH_SESSION_MODE,
  batchSessionSigningHash,
  encodeBatchSessionSignature,
  type BatchSessionPart,
  type SessionCallEntry,
} from './sessions/batchSessionSignature.ts'
export { assignSessionCalls, type SessionAssignmentResult, type SessionCandidate } from './sessions/assignSessionCalls.ts'
export { MemorySessionStore, type SessionStore, type StoredSession } from './sessions/sessionStore.ts'
export { grantSessions, isSessionManagerInstalled, assertSafeSession, sessionRootCalls, type GrantSessionsParameters, type GrantSessionsReturnType } from './actions/grantSessions.ts'
export { createSessionApproval, sessionApprovalTypedData, type CreateSessionApprovalParameters, type SessionApprovalTypedData } from './actions/createSessionApproval.ts'
export { revokeSessions, type RevokeSessionsParameters } from './actions/revokeSessions.ts'
export { renounceSession, renounceSessionCall, sessionRenounceHash, type RenounceSessionParameters } from './actions/renounceSession.ts'
export {
  signTypedDataWithSession,
  sessionTypedDataHash,
  encodeSessionTypedDataSignature,
  TypedDataOutOfScopeError,
  type SignTypedDataWithSessionParameters,
} from './actions/signTypedDataWithSession.ts'
export { typedDataEncodedFields, typedDataTypeHash } from './typedData/typedDataEncoding.ts'
export { typedDataPermission, typedDataContentsDescr, typedDataScopeOf, typedDataScopePair, TYPED_DATA_SELECTOR, type TypedDataScopeEntry } from './typedData/typedDataScope.ts'
export {
  createMultichainSessionApproval,
  multichainApprovalInstallCall,
  multichainApprovalTypedData,
  type MultichainSessionEntry,
} from './actions/createMultichainSessionApproval.ts'
export { getRemainingAllowance, type GetRemainingAllowanceReturnType, type RemainingAllowance } from './actions/getRemainingAllowance.ts'
export { getSessionStatus, type SessionStatus } from './actions/getSessionStatus.ts'
export { SessionGasBoundTooLowError } from './errors/session.ts'
export { SessionCallRefusedError, SessionGasRefusedError, SessionNotUsableError, SessionFormatError, UnsafeSessionError, type SessionRule } from './errors/session.ts'
export { getSessions, type GetSessionsParameters, type GetSessionsReturnType } from './actions/getSessions.ts'
export { measuredVerificationGas } from './userOperation/measuredVerificationGas.ts'
export { useFixedNonceKey } from './accounts/fixedNonceKey.ts'
export {
  erc7579ModuleConfigAbi,
  installedModuleType,
  installedModule,
  describeInstalledModule,
  INSTALLED_MODULE_QUESTIONS,
  installedModuleContext,
  type InstalledModuleAnswer,
  type InstalledModuleQuestion,
  type InstalledModuleContextKind,
} from './erc7579/moduleConfig.ts'
export { askIsModuleInstalled, decodeStrictBool, type IsModuleInstalledAnswer } from './erc7579/askIsModuleInstalled.ts'
export { latchkeyModules } from './deployments.ts'
export { encodeCallPolicyConfig, decodeCallPolicyConfig } from './policies/callPolicyConfig.ts'
export { encodeErc20PolicyConfig, decodeErc20PolicyConfig } from './policies/erc20PolicyConfig.ts'
export { encodeGasPolicyConfig, decodeGasPolicyConfig } from './policies/gasPolicyConfig.ts'
export { evaluateCallPolicy, type EvaluateCallPolicyParameters } from './policies/evaluateCallPolicy.ts'
export { evaluateErc20Policy, type EvaluateErc20PolicyParameters } from './policies/evaluateErc20Policy.ts'
export { evaluateGasPolicy, type EvaluateGasPolicyParameters } from './policies/evaluateGasPolicy.ts'
export { evaluateStreamPolicy, type EvaluateStreamPolicyParameters } from './policies/evaluateStreamPolicy.ts'
export {
  streamPolicy,
  streamAccrued,
  encodeStreamPolicyConfig,
  decodeStreamPolicyConfig,
  type StreamPolicyConfig,
  type StreamPolicyParameters,
} from './policies/streamPolicy.ts'
export type {
  CallLimit,
  CallPolicyConfig,
  ComparisonOperator,
  Erc20PolicyConfig,
  GasPolicyConfig,
  LimitUsage,
  ParamPath,
  PathStep,
  PaymasterMode,
  PolicyEvaluation,
  Rule,
  RuleCondition,
  RuleGroup,
  ValueType,
} from './policies/policyTypes.ts'
export { createPolicyChecker, type PolicyChecker, type UserOpCost } from './sessions/policyChecker.ts'
export { withReserved, incrementOf, counterKeyString, earlierEnd, type CounterKey, type CounterIncrement, type ReservedUsage, type OpIncrements } from './policies/reservedUsage.ts'
export { chooseDeclaredTime, sessionPeriods } from './sessions/declaredTime.ts'
export { evaluatesCallRules, evaluatesGasRules, type PolicyModules } from './sessions/policyModules.ts'
export { callPolicy, selectFunction, type CallPolicyParameters, type CallPolicyLimits } from './policies/callPolicy.ts'
export { eq, neq, lt, lte, gt, gte, inRange, oneOf, bitsAll, bitsAny, bitsNone, sliceEq, anyOf, total, perPeriod, type Condition, type ConditionValue, type ParamLimit, type BytesSlice } from './policies/conditions.ts'
export type { CallPolicyArgs, CallPolicyFunctionName, ParamConditions } from './policies/callPolicyArgs.ts'
export { erc20Policy, type Erc20PolicyParameters } from './policies/erc20Policy.ts'
export { gasPolicy, type GasPolicyParameters, type GasPolicyReturnType } from './policies/gasPolicy.ts'
export { DEFAULT_SESSION_GAS_BOUNDS, defaultSessionGas } from './policies/sessionGasDefaults.ts'
export { sessionGasBounds, DEFAULT_FEE_MULTIPLIER, type SessionGasBoundsParameters } from './policies/sessionGasBounds.ts'
export { chainFees, type ChainFees } from './policies/chainFees.ts'
export { assertSessionGasUsable, MIN_SESSION_OP_GAS } from './sessions/assertSessionGasUsable.ts'
export { bundlerEstimationGas } from './userOperation/bundlerEstimationGas.ts'
export { ANY_TARGET_UNSAFE, resolvePermissionTarget, type PermissionTarget } from './sessions/anyTarget.ts'
export { describeSession, type DescribeSessionOptions, type DescribeSessionModules } from './policies/describeSession.ts'
export { checkSessionCall, type CheckSessionCallParameters, type CheckSessionCallReturnType } from './actions/checkSessionCall.ts'
export { frostOnChainSignature, frostSignerKey } from './signers/frostOnChain.ts'
export { ecdsaSessionSigner, sessionMessageHash, toSessionSigner, type SessionSigner } from './signers/sessionSigner.ts'
export { frostSessionSigner, type FrostSessionSignerParameters } from './signers/frostSessionSigner.ts'
export { p256SessionSigner, type P256SessionSignerParameters } from './signers/p256SessionSigner.ts'
export { webCryptoSessionSigner, type WebCryptoSessionSignerParameters } from './signers/webCryptoSessionSigner.ts'
export {
  webAuthnSessionSigner,
  WebAuthnAssertionError,
  type WebAuthnAssertion,
  type WebAuthnAssertionRequest,
  type WebAuthnSessionSignerParameters,
} from './signers/webAuthnSessionSigner.ts'
export { p256CompactSignature, p256PublicKeyXY, p256SignerKey, P256_OPTIONS, type P256Verification } from './signers/p256SignerKey.ts'
export { hasP256Precompile, P256_PRECOMPILE } from './signers/hasP256Precompile.ts'
export { canonicalJson } from './signers/canonicalJson.ts'
export { nodeRequestHash, signNodeRequest, type NodeRequestAuth } from './signers/nodeRequest.ts'
export { networkSessionSigner, type NetworkSessionSignerParameters, type SignerNodeFailure } from './signers/networkSessionSigner.ts'
export { SignerNetworkError, SignerNetworkRefusedError } from './signers/signerNetworkErrors.ts'
export { callSignerNode } from './signers/callSignerNode.ts'
export { createDistributedSession, type CreateDistributedSessionParameters, type CreateDistributedSessionReturnType } from './sessions/createDistributedSession.ts'
export {
  generateDistributedKey,
  type GenerateDistributedKeyParameters,
  type GenerateDistributedKeyReturnType,
  type SignerNodeInfo,
} from './signers/generateDistributedKey.ts'
export {
  decodeSessionSigningRequest,
  encodeSessionSigningRequest,
  sessionRequestMessage,
  sessionRequestSigningHash,
  type SessionSigningRequest,
  type SessionSigningRequestJson,
} from './signers/sessionSigningRequest.ts'
export { userOpCost, knownUserOpCost } from './sessions/userOpCost.ts'
export { getSessionAllowances, isAllowanceExhausted, type SessionAllowance, type AllowanceKind } from './actions/getSessionAllowances.ts'
export { PermissionRequestError, PERMISSION_ERROR_CODES, type PermissionErrorCode } from './errors/erc7715.ts'
export {
  EXECUTION_PERMISSION_TYPES,
  parsePermissionRequest,
  formatPermissionRequest,
  type ExecutionPermissionRequest,
  type ExecutionPermissionResponse,
  type ExecutionPermissionType,
  type ParsedPermissionRequest,
  type PermissionData,
  type PermissionRule,
} from './erc7715/executionPermission.ts'
export { latchkeySessionPermissionData, type LatchkeySessionData } from './erc7715/latchkeySessionPermission.ts'
export { sessionPermissionsFor, sessionForPermission } from './erc7715/permissionSession.ts'
export { adjustPermissionRequest, type PermissionAdjustments, type AdjustableAmount } from './erc7715/permissionAdjustments.ts'
export { encodePermissionContext, decodePermissionContext } from './erc7715/permissionContext.ts'
export { MemoryGrantedPermissionStore, type GrantedPermissionStore, type GrantedPermissionRecord } from './erc7715/grantedPermissionStore.ts'
export {
  createLatchkeyWalletProvider,
  type LatchkeyWalletProvider,
  type LatchkeyWalletProviderParameters,
  type PermissionReview,
  type PermissionDecision,
  type GrantedExecutionPermission,
} from './erc7715/latchkeyWalletProvider.ts'
export {
  erc7715ProviderActions,
  type Erc7715ProviderActions,
  type RequestExecutionPermissionsParameter,
  type SupportedExecutionPermissions,
} from './erc7715/erc7715ProviderActions.ts'
