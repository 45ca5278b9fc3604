import { adjustPermissionRequest, type AdjustableAmount, type PermissionAdjustments, type PermissionDecision, type PermissionReview } from '@latchkey/sdk'
import type { PageConfig } from '../common/pageConfig.ts'
import { byId, errorText } from '../common/pageConfig.ts'
import { readAmount, showAmount, unitOf, type AmountUnit } from './amounts.ts'
import { permissionSummary } from './permissionSummary.ts'

const AMOUNT_LABELS: Record<AdjustableAmount, string> = {
  allowanceAmount: 'Allowance',
  periodAmount: 'Amount per period',
  initialAmount: 'Available at once',
  maxAmount: 'Most in total',
  amountPerSecond: 'Added every second',
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attributes: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  return node
}

/**
 * The consent screen: who asks, why (the dApp's justification), what the session may do (describeSession's
 * lines, the WARNING lines apart), the adjustments the owner may make (only ever lower), and Approve /
 * Reject. Resolves with the owner's decision; an adjustment that would grant more than asked is refused on
 * the spot and the screen stays.
 */
export function showConsent(config: PageConfig, review: PermissionReview, origin: string): Promise<PermissionDecision> {
  const section = byId('consent')
  const body = byId('consent-body')
  body.replaceChildren()
  section.hidden = false
  const { request } = review
  body.append(element('p', `${origin} asks for a ${request.data.type} permission for its key ${request.to}.`, { class: 'lead' }))
  if (request.justification) body.append(element('blockquote', `“${request.justification}”`, { 'aria-label': 'Why the dApp asks' }))
  body.append(element('p', permissionSummary(config, request), { class: 'summary' }))
  body.append(descriptionList(review.description))
  if (review.warnings.length > 0) {
    const warnings = element('ul', undefined, { class: 'warnings', 'aria-label': 'Warnings' })
    for (const warning of review.warnings) warnings.append(element('li', warning))
    body.append(warnings)
  }

  const form = element('form', undefined, { 'aria-label': 'Adjust before approving' })
  const inputs = adjustmentInputs(config, review, form)
  const error = element('p', undefined, { role: 'alert', class: 'error' })
  const approve = element('button', 'Approve', { type: 'submit' })
  const reject = element('button', 'Reject', { type: 'button', class: 'secondary' })
  const actions = element('div', undefined, { class: 'actions' })
  actions.append(approve, reject)
  form.append(error, actions)
  body.append(form)
  approve.focus()

  return new Promise((resolve) => {
    const done = (decision: PermissionDecision) => {
      section.hidden = true
      body.replaceChildren()
      resolve(decision)
    }
    reject.addEventListener('click', () => done({ approved: false }))
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      try {
        const adjustments = inputs()
        if (adjustments) adjustPermissionRequest(review.request, adjustments)
        done({ approved: true, adjustments })
      } catch (problem) {
        error.textContent = errorText(problem)
      }
    })
  })
}

/**
 * describeSession's lines as a list: a permission's details (indented "- " lines) nested under it; the
 * WARNING lines are shown apart.
 */
function descriptionList(description: string): HTMLUListElement {
  const list = element('ul', undefined, { class: 'description', 'aria-label': 'What the session may do' })
  let details: HTMLUListElement | undefined
  for (const line of description.split('\n').filter((l) => !l.startsWith('WARNING'))) {
    const detail = /^\s+- (.*)$/.exec(line)
    if (detail && list.lastElementChild) {
      if (!details) list.lastElementChild.append((details = element('ul')))
      details.append(element('li', detail[1]))
      continue
    }
    details = undefined
    list.append(element('li', line))
  }
  return list
}

/** The adjustment fields (amounts when the dApp allows it; the expiry always); returns what changed. */
function adjustmentInputs(config: PageConfig, review: PermissionReview, form: HTMLFormElement): () => PermissionAdjustments | undefined {
  const data = review.request.data as unknown as Record<string, unknown>
  const unit: AmountUnit = unitOf(config, data.token as `0x${string}` | undefined)
  const amountFields = review.adjustable ? (Object.keys(AMOUNT_LABELS) as AdjustableAmount[]).filter((field) => typeof data[field] === 'bigint') : []
  const fields = new Map<AdjustableAmount, HTMLInputElement>()
  for (const field of amountFields) {
    const requested = data[field] as bigint
    const input = labelled(form, `adjust-${field}`, `${AMOUNT_LABELS[field]} (${unit.symbol}; asked: ${showAmount(requested, unit)})`, showAmount(requested, unit).split(' ')[0]!)
    input.inputMode = 'decimal'
    fields.set(field, input)
  }
  const minutes = Math.max(1, Math.floor((review.request.expiry - Date.now() / 1000) / 60))
  const expiry = labelled(form, 'adjust-expiry', `Expires in minutes${review.defaultExpiry ? ' (the dApp asked for no end: this is the wallet’s default)' : ''}`, String(minutes))
  expiry.inputMode = 'numeric'
  return () => {
    const adjustments: PermissionAdjustments = {}
    const amounts: PermissionAdjustments['amounts'] = {}
    for (const [field, input] of fields) {
      const value = readAmount(input.value, unit)
      if (value === undefined) throw new Error(`${AMOUNT_LABELS[field]}: "${input.value}" is not an amount of ${unit.symbol}`)
      if (value !== data[field]) amounts[field] = value
    }
    if (Object.keys(amounts).length > 0) adjustments.amounts = amounts
    const typed = Number(expiry.value)
    if (!Number.isInteger(typed) || typed < 1) throw new Error(`Expires in minutes: "${expiry.value}" is not a whole number of minutes`)
    if (typed !== minutes) adjustments.expiry = Math.min(review.request.expiry, Math.floor(Date.now() / 1000) + typed * 60)
    return Object.keys(adjustments).length > 0 ? adjustments : undefined
  }
}

function labelled(form: HTMLFormElement, id: string, label: string, value: string): HTMLInputElement {
  const row = element('div', undefined, { class: 'field' })
  const input = element('input', undefined, { id, name: id, type: 'text', autocomplete: 'off' })
  input.value = value
  row.append(element('label', label, { for: id }), input)
  form.append(row)
  return input
}
