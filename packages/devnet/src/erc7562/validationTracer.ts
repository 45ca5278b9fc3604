/**
 * A JavaScript tracer (geth's tracer API, which anvil's `debug_traceCall` runs) that records what the
 * validation of a userOp does: every storage access with its storage context, keccak preimages (to tell
 * which slots a mapping key leads to), calls with their targets and values, and opcodes that ERC-7562
 * restricts. It keeps only those events, so the trace stays small.
 */
export const validationTracer = `{
  events: [],
  keccaks: [],
  lastOp: '',
  lastDepth: 0,
  restricted: {
    ORIGIN: 1, GASPRICE: 1, BLOCKHASH: 1, COINBASE: 1, TIMESTAMP: 1, NUMBER: 1, DIFFICULTY: 1, PREVRANDAO: 1,
    GASLIMIT: 1, BASEFEE: 1, BLOBHASH: 1, BLOBBASEFEE: 1, CREATE: 1, CREATE2: 1, SELFDESTRUCT: 1, INVALID: 1,
    BALANCE: 1, SELFBALANCE: 1
  },
  step: function (log, db) {
    var op = log.op.toString();
    var depth = log.getDepth();
    var address = toHex(log.contract.getAddress());
    if (this.lastOp === 'GAS') {
      var callFollows = op === 'CALL' || op === 'STATICCALL' || op === 'DELEGATECALL' || op === 'CALLCODE';
      if (!callFollows) this.events.push({ kind: 'opcode', op: 'GAS', depth: this.lastDepth, address: this.lastAddress });
    }
    this.lastOp = op;
    this.lastDepth = depth;
    this.lastAddress = address;
    if (op === 'SLOAD' || op === 'SSTORE' || op === 'TLOAD' || op === 'TSTORE') {
      this.events.push({ kind: 'storage', op: op, depth: depth, address: address, slot: toHex(toWord(log.stack.peek(0).toString(16))) });
    } else if (op === 'KECCAK256' || op === 'SHA3') {
      var offset = parseInt(log.stack.peek(0).toString());
      var length = parseInt(log.stack.peek(1).toString());
      if (length <= 512) this.keccaks.push(toHex(log.memory.slice(offset, offset + length)));
    } else if (op === 'CALL' || op === 'CALLCODE' || op === 'STATICCALL' || op === 'DELEGATECALL') {
      var target = toHex(toAddress(log.stack.peek(1).toString(16)));
      var value = (op === 'CALL' || op === 'CALLCODE') ? log.stack.peek(2).toString() : '0';
      var argsOffset = parseInt(log.stack.peek(op === 'CALL' || op === 'CALLCODE' ? 3 : 2).toString());
      var argsLength = parseInt(log.stack.peek(op === 'CALL' || op === 'CALLCODE' ? 4 : 3).toString());
      var selector = argsLength >= 4 ? toHex(log.memory.slice(argsOffset, argsOffset + 4)) : '0x';
      this.events.push({ kind: 'call', op: op, depth: depth, address: address, target: target, value: value, selector: selector, hasCode: db.getCode(toAddress(log.stack.peek(1).toString(16))).length > 0 });
    } else if (op === 'EXTCODESIZE' || op === 'EXTCODEHASH' || op === 'EXTCODECOPY') {
      var other = toAddress(log.stack.peek(0).toString(16));
      this.events.push({ kind: 'extcode', op: op, depth: depth, address: address, target: toHex(other), hasCode: db.getCode(other).length > 0 });
    } else if (this.restricted[op]) {
      this.events.push({ kind: 'opcode', op: op, depth: depth, address: address });
    }
  },
  fault: function (log, db) {},
  result: function (ctx, db) {
    return { events: this.events, keccaks: this.keccaks, error: ctx.error ? String(ctx.error) : null };
  }
}`
