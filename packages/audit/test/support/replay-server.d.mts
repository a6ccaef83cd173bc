export interface Exchange {
  readonly once?: boolean;
  readonly request: {
    readonly method?: string;
    readonly path?: string;
    readonly query?: Readonly<Record<string, string>>;
    readonly form?: Readonly<Record<string, string>>;
    readonly absent?: readonly string[];
  };
  readonly response: { readonly status?: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown };
}
export interface ReplayServer {
  readonly url: string;
  readonly requests: { method: string; path: string; query: string; form: string }[];
  readonly unmatched: string[];
  close(): Promise<void>;
}
export function loadManifest(path: string): Exchange[];
export function startReplayServer(exchanges: readonly Exchange[]): Promise<ReplayServer>;
