// The Go handler writes the page's settings as a JSON data block
// (<script type="application/json" id="graphiql-config">); reading it here
// keeps every value out of executable code.
const block = document.getElementById('graphiql-config');

/**
 * @type {{endpoint: string, defaultQuery: string, defaultHeaders: string, assets: string}}
 */
export const config = JSON.parse(block ? block.textContent : '{}');
