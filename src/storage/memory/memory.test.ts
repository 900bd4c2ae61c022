import { runConformance } from '../conformance.ts';
import { createMemoryBackend } from './index.ts';

runConformance('memory', { newBackend: async () => createMemoryBackend() });
