// Preloaded into the Alto process (`node --import`): Alto binds its HTTP server to 0.0.0.0, and the devnet
// must listen on loopback only. This rewrites a wildcard host in net.Server#listen to 127.0.0.1.
import net from 'node:net'

const wildcard = new Set(['0.0.0.0', '::', '', undefined])
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const [first] = args
  if (first !== null && typeof first === 'object' && !Array.isArray(first) && wildcard.has(first.host)) {
    args[0] = { ...first, host: '127.0.0.1' }
  } else if (typeof first === 'number' && (args.length === 1 || typeof args[1] === 'function' || wildcard.has(args[1]))) {
    args.splice(1, typeof args[1] === 'function' ? 0 : 1, '127.0.0.1')
  }
  return listen.apply(this, args)
}
