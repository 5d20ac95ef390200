/**
 * The build service: build projects, builds and their jobs (source → build → verify → publish),
 * the job queue in the database with leases, workers, sources and sandboxed steps.
 */
package io.packyard.builds;
