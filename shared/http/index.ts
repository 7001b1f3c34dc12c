export * from './problem';
export * from './request';
export * from './router';
