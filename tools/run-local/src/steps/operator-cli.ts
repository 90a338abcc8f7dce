import { join } from 'node:path';
import { runCommand } from '@pulse/fleet';

/** The operator CLI (tools/cli) as built by `npm run build`, run as a separate process. */
export class OperatorCli {
  private readonly entry: string;

  constructor(
    private readonly repoRoot: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.entry = join(repoRoot, 'dist', 'tools', 'cli', 'src', 'main.js');
  }

  /** Creates missing topics and verifies the existing ones. */
  async ensureTopics(): Promise<string> {
    return this.run(['topics', 'ensure']);
  }

  /** Loads the product catalogue and customers onto the compacted reference topics. */
  async loadReference(productsFile: string, customersFile: string): Promise<string> {
    return this.run(['reference', 'load', '--products', productsFile, '--customers', customersFile]);
  }

  private async run(args: string[]): Promise<string> {
    const result = await runCommand(process.execPath, [this.entry, ...args], {
      cwd: this.repoRoot,
      env: this.env,
    });
    return result.output.trim();
  }
}
