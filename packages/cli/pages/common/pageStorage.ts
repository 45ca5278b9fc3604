/**
 * A page's durable storage: one IndexedDB object store of named values. Keys and grants live here, never in
 * localStorage (readable synchronously by any script of the page, and kept as plain strings).
 */
const DB = 'latchkey'
const STORE = 'values'

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(STORE)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

async function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open()
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = action(db.transaction(STORE, mode).objectStore(STORE))
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
  } finally {
    db.close()
  }
}

export function loadValue<T>(name: string): Promise<T | undefined> {
  return run('readonly', (store) => store.get(name) as IDBRequest<T | undefined>)
}

export async function saveValue(name: string, value: unknown): Promise<void> {
  await run('readwrite', (store) => store.put(value, name))
}

/** The value stored under `name`, or `make()` stored there first: a second page racing to make one gets the first's. */
export async function loadOrCreate<T>(name: string, make: () => T): Promise<T> {
  const existing = await loadValue<T>(name)
  if (existing !== undefined) return existing
  try {
    await run('readwrite', (store) => store.add(make(), name))
  } catch {
    // another tab added it first
  }
  return (await loadValue<T>(name))!
}
