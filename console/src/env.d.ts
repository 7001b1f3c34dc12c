// Vite bundles CSS imported for its side effects; TypeScript only needs to know the module exists.
declare module '*.css';
