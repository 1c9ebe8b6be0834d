// Types of build-state.js (plain JavaScript: bin/ runs before anything is compiled).
export const sourceDir: string;
export const buildDir: string;
export function sourceFiles(): string[];
export function installedLibraries(): Buffer | string;
export function sourceDigest(files?: string[], lockfile?: Buffer | string): string;
export function writeDigest(dir: string, digest: string): void;
export function buildIsCurrent(): boolean;
