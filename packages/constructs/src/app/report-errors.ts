import { ConfigError, configFilePath } from '@keyless/policy';

/**
 * Runs an app's synthesis. A ConfigError is printed with every problem (nothing is synthesized); any other error
 * as one line naming the config file, with the stack trace only when KEYLESS_DEBUG is set. Either sets a failing
 * exit code and yields undefined. Shared by both paths (runApp, runBootstrapApp and synthApp), which print the
 * same lines for the same error.
 */
export function reportErrors<T>(configFile: string | URL, build: () => T): T | undefined {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\nnothing was synthesized\n`);
    else {
      const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ').trim();
      const debug = process.env['KEYLESS_DEBUG'] ? `\n${(error as Error).stack ?? ''}` : ' (KEYLESS_DEBUG=1 prints the stack trace)';
      process.stderr.write(`${configFilePath(configFile)}: synthesis failed: ${message}${debug}\n`);
    }
    process.exitCode = 1;
    return undefined;
  }
}
