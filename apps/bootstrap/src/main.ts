import { runBootstrapApp } from '@keyless/constructs';

runBootstrapApp({ configFile: new URL('../bootstrap.yaml', import.meta.url) });
