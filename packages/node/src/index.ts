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
