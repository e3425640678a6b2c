/**
 * hostfactory-kernel: a typed CQRS kernel, the Symphony host-factory domain, and the use cases that
 * wire them to a host's storage and cloud adapters. Each block below re-exports a curated entry
 * list (every name is listed explicitly in that file); nothing internal is reachable from here.
 */
// class-transformer and typedi decorators need the Reflect metadata API; load it before them.
import 'reflect-metadata';
export * from './kernel/index';
export * from './domain/index';
export * from './application/index';
