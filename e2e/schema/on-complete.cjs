// The completion handler of `graphql-inspector diff` for diff.sh: it reports
// as Inspector's own does, but exits 3 on a breaking change, so that diff.sh
// can tell a breaking change (3) from a schema that would not load (1).
const { Logger } = require('@graphql-inspector/logger');

module.exports = ({ breakingChanges, dangerousChanges }) => {
  const n = breakingChanges.length;
  if (n > 0) {
    Logger.error(`Detected ${n} breaking change${n > 1 ? 's' : ''}`);
    process.exit(3);
  }
  const d = dangerousChanges.length;
  Logger.success(`No breaking changes detected${d > 0 ? ` (${d} dangerous: see above)` : ''}`);
};
