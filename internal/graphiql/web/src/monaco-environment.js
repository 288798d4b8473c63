import { config } from './config.js';

// Monaco runs its language services in web workers. By default it would build
// them from blob: URLs or, with GraphiQL's esm.sh setup, fetch them from a
// CDN; here each worker is a file bundled next to this one and loaded from
// our own origin, which a strict Content-Security-Policy (worker-src 'self')
// allows.
const workers = {
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
};

self.MonacoEnvironment = {
  getWorker(_workerID, label) {
    const file = workers[label] ?? 'editor.worker.js';
    return new Worker(new URL(config.assets + file, location.href), { name: label });
  },
};
