// What a service manager is to paseo (systemd and launchd each implement it), and what it needs to know
// about this machine and user.
import type { ServiceSpec } from './spec.js';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
export type Run = (command: string, args: string[]) => RunResult;

/** What a service manager needs to know about this machine and user. */
export interface ServicePlatform {
  homeDir: string;
  user: string;
  uid: number;
  env: NodeJS.ProcessEnv;
  /** The daemon's log file. */
  log: string;
  run: Run;
}

export interface ServiceState {
  /** Starts at login (systemd: enabled; launchd: loaded). */
  enabled: boolean;
  /** Running now. */
  active: boolean;
  pid?: number;
  /** The manager's words, e.g. "enabled, active (running)". */
  detail: string;
}

export interface ServiceManager {
  kind: 'systemd' | 'launchd';
  /** The unit or plist file. */
  file: string;
  render(spec: ServiceSpec): string;
  /** The command line recorded in a file written by render(). */
  parseArgv(text: string): string[] | undefined;
  /** A sentence saying why the manager cannot be used here, or undefined when it can. */
  unavailable(): string | undefined;
  /** Enables the written file and (re)starts the service; throws with the manager's error. */
  activate(): void;
  /** Stops the service and disables it (before the file is removed). */
  deactivate(): void;
  /** Tells the manager the file is gone. */
  forget(): void;
  state(): ServiceState;
  /** The command that shows the service's log. */
  logs: string;
  /** Lines worth telling after an install (e.g. lingering on systemd). */
  notes(): string[];
}
