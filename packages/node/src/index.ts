export { generateNodeIdentity, exportNodeIdentity, importNodeIdentity, type NodeIdentity, type NodePublicIdentity } from './identity/nodeIdentity.ts'
export {
  DkgMisbehaviourError,
  DkgParticipant,
  type DkgKey,
  type DkgParticipantInfo,
  type DkgSetup,
  type ResultBody,
  type Round1Body,
  type Round2Body,
  type SignedDkgMessage,
} from './dkg/dkgParticipant.ts'
export { encryptShare, decryptShare, type EncryptedShare } from './dkg/shareEncryption.ts'
export { authenticate, RequestRefusedError, MAX_REQUEST_LIFETIME, type RequestAuth } from './server/requestAuth.ts'
export { startSignerNode, type SignerNode, type SignerNodeConfig } from './server/signerNode.ts'
export { runSignerNode } from './nodeMain.ts'
export { startSignerNetwork, type NetworkNode, type SignerNetwork } from './network/startSignerNetwork.ts'
export { AtRestCipher } from './storage/atRestCipher.ts'
export { SqliteNodeStore } from './storage/sqliteNodeStore.ts'
export { PostgresNodeStore } from './storage/postgresNodeStore.ts'
export type { NodeStore, StoredKey } from './storage/nodeStore.ts'
export { TEST_FAULTS, parseTestFault, type TestFault } from './faults/testFault.ts'
