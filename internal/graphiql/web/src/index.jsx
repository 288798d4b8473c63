// This import must stay first: Monaco reads self.MonacoEnvironment when it
// starts its first worker.
import './monaco-environment.js';

import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './page.css';

import { config } from './config.js';

const fetcher = createGraphiQLFetcher({ url: config.endpoint });

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={config.defaultQuery}
    defaultHeaders={config.defaultHeaders}
    // Open on the headers editor when there are headers to fill in, such
    // as a token and X-Purpose.
    defaultEditorToolsVisibility={config.defaultHeaders ? 'headers' : undefined}
    // Headers hold bearer tokens: keep them out of localStorage.
    shouldPersistHeaders={false}
  />,
);
