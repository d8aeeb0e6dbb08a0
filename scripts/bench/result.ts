// What one `make bench` run measured: printed by report.ts, judged against the goals by goals.ts, written as JSON.
import type { HandshakeResult } from './handshakes.js';
import type { InterruptResult } from './interrupt.js';
import type { LatencyResult } from './latency.js';
import type { MemoryResult } from './memory.js';
import type { PageResult } from './page.js';
import type { PairingResult } from './pairing.js';
import type { ThroughputResult } from './throughput.js';

/** Every figure of one run, with the machine and configuration it ran on. */
export interface BenchResult {
  when: string;
  machine: { cpus: number; node: string; backgroundBusyPct: number };
  config: {
    fileMiB: number;
    fileLines: number;
    pageMiB: number;
    reps: number;
    samples: number;
    paseoBin: string;
    ttydBin: string | null;
  };
  seconds: number;
  /** Times the daemon dropped the benchmark's connection (it reconnected between runs). */
  paseoDrops: number;
  throughput: ThroughputResult[];
  latency: LatencyResult[];
  interrupt: InterruptResult[];
  handshakes: HandshakeResult | null;
  /** `cat` into paseo's page and ttyd's page in headless Chromium. */
  pages: PageResult[];
  memory: MemoryResult | null;
  pairing: PairingResult | null;
}
