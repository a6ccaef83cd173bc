import { runApp } from '@keyless/constructs';

runApp({ configFile: new URL('../access.yaml', import.meta.url) });
