import type { GrantedPermissionRecord, GrantedPermissionStore } from '@latchkey/sdk'
import { loadValue, saveValue } from '../common/pageStorage.ts'

/** The wallet's grants, in IndexedDB (shared by the wallet's tabs and its popup; they are one origin). */
export class IndexedDbPermissionStore implements GrantedPermissionStore {
  async save(record: GrantedPermissionRecord) {
    await saveValue('granted', [...(await this.list()), record])
  }

  async list() {
    return (await loadValue<GrantedPermissionRecord[]>('granted')) ?? []
  }
}
