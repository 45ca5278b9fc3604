import { encodeFunctionData, erc20Abi, parseAbi, type Address } from 'viem'
import type { Call } from '@latchkey/sdk'
import type { JobAction } from './jobSpec.ts'

const swapRouterAbi = parseAbi([
  'struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
  'function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)',
])

/** The calls one run of `action` sends from `account`. */
export function jobCalls(action: JobAction, account: Address): Call[] {
  switch (action.type) {
    case 'recurring-payment':
      return [{ to: action.token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [action.to, action.amount] }) }]
    case 'dca':
      // The router takes `amountIn` by transferFrom: approve exactly that much, then swap, in one op.
      return [
        { to: action.tokenIn, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [action.router, action.amountIn] }) },
        {
          to: action.router,
          data: encodeFunctionData({
            abi: swapRouterAbi,
            functionName: 'exactInputSingle',
            args: [{ tokenIn: action.tokenIn, tokenOut: action.tokenOut, fee: action.fee, recipient: account, amountIn: action.amountIn, amountOutMinimum: action.minAmountOut, sqrtPriceLimitX96: 0n }],
          }),
        },
      ]
    case 'calls':
      return action.calls.map((call) => ({ to: call.to, value: call.value, data: call.data }))
  }
}
