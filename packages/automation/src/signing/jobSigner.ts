import type { Hex, LocalAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { networkSessionSigner, type SessionSigner } from '@latchkey/sdk'
import { JobSpecError } from '../jobs/jobSpecError.ts'
import type { JobSpec } from '../jobs/jobSpec.ts'

/**
 * What a job's sealed secret is: the session key (the job signs itself), or, for a signer-network job, the
 * client credential registered with the group key (the nodes sign; the runner never holds a session key).
 */
const secretName = (spec: JobSpec) => (spec.signer ? 'clientKey' : 'sessionKey')

function accountOf(spec: JobSpec, secret: Hex): LocalAccount {
  try {
    return privateKeyToAccount(secret)
  } catch {
    throw new JobSpecError(secretName(spec), 'not a private key')
  }
}

/** The client the nodes registered with the group key, from the first node that answers. */
async function registeredClient(spec: JobSpec & { signer: NonNullable<JobSpec['signer']> }): Promise<string> {
  const problems: string[] = []
  for (const node of spec.signer.nodes) {
    try {
      const response = await fetch(`${node.url}/keys/${spec.signer.groupPublicKey.slice(2)}`, { signal: AbortSignal.timeout(5_000) })
      if (!response.ok) {
        problems.push(`${node.url}: ${response.status}`)
        continue
      }
      return String(((await response.json()) as { client?: string }).client)
    } catch (error) {
      problems.push(`${node.url}: ${(error as Error).message}`)
    }
  }
  throw new JobSpecError('signer.nodes', `no node knows the group key (${problems.join('; ')})`)
}

/**
 * Refuses a secret that cannot sign the job's runs: a session key that is not the session's signer, or a
 * client credential other than the one the nodes registered with the group key (they would refuse it).
 */
export async function checkJobSecret(spec: JobSpec, secret: Hex): Promise<void> {
  const account = accountOf(spec, secret)
  if (!spec.signer) {
    if (account.address.toLowerCase() !== spec.grant.session.signer.toLowerCase()) throw new JobSpecError('sessionKey', `its address ${account.address} is not the session's signer ${spec.grant.session.signer}`)
    return
  }
  const client = await registeredClient({ ...spec, signer: spec.signer })
  if (client.toLowerCase() !== account.address.toLowerCase()) throw new JobSpecError('clientKey', `its address ${account.address} is not the client the nodes registered with the group key (${client})`)
}

/** The signer of the job's session: the session key itself, or the signer nodes asked with the client credential. */
export function jobSessionSigner(spec: JobSpec, secret: Hex): LocalAccount | SessionSigner {
  const account = accountOf(spec, secret)
  if (!spec.signer) return account
  const { groupPublicKey, threshold, nodes } = spec.signer
  return networkSessionSigner({ groupPublicKey, threshold, nodes, client: account })
}
