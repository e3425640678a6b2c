/**
 * hostfactory-kernel: a typed CQRS kernel and the Symphony host-factory domain built on it.
 * The kernel's names are also available from `hostfactory-kernel/kernel`.
 */
export * from './kernel/index';
