// Runs dynalite in its own process, so the emulator's CPU work (LevelDB, request parsing) uses a
// core of its own instead of the sandbox's event loop. Started by startDynalite({ process: true }):
// argv[2] is the port, argv[3] the data path ('' keeps data in memory); replies 'listening'.
import dynalite from 'dynalite';

const [port, path] = process.argv.slice(2);
const server = dynalite({ path: path || undefined, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => {
  process.send?.({ error: String(error) });
  process.exit(1);
});
server.listen(Number(port), '127.0.0.1', () => process.send?.('listening'));
// Stop when asked or when the parent goes away (a killed test runner leaves no orphan).
const stop = () => {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('message', (message) => message === 'stop' && stop());
process.on('disconnect', stop);
