import { Command, type HelpContext } from 'commander'
import { UsageError } from './errors.ts'

/** `latchkey sessions list`: the command's name with its parents', as the user types it. */
export function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/**
 * commander's Command with one behaviour changed. A command group typed without its subcommand
 * (`latchkey sessions`) makes commander print the whole help to stderr; here it is a usage error of one
 * line that names the subcommands, like every other mistake. `--help` still prints the help (to stdout).
 */
export class CliCommand extends Command {
  // Subcommands made with `.command(name)` are of this class too, and inherit the parent's settings.
  override createCommand(name?: string): CliCommand {
    return new CliCommand(name)
  }

  override help(context?: HelpContext | ((str: string) => string)): never {
    if (typeof context === 'object' && context.error) {
      const path = commandPath(this)
      const names = this.commands.map((c) => c.name()).join(', ')
      const where = this.parent ? ` after '${path}'` : ''
      throw new UsageError(`missing command${where}: ${names} (${path} --help says more)`)
    }
    return super.help(context as HelpContext)
  }
}
