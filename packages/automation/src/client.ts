/**
 * `@latchkey/automation/client`: the runner's API client alone, for Node and browsers (no database, no
 * server code).
 */
export { createAutomationClient, AutomationApiError, type AutomationClient, type AutomationClientOptions, type JobSpecInput } from './api/automationClient.ts'
export { sealSessionKey, openSessionKey, EnvelopeError, type SessionKeyEnvelope, type EnvelopeContext } from './api/sessionKeyEnvelope.ts'
export type { JobSummary, JobDetails, RunSummary } from './api/jobViews.ts'
