//! Integration tests, in one binary so they link once. Each module covers one area:
//! the conformance vectors and fixtures from `../shared/conformance`, and differential
//! tests against the real `go` command. See `support` for how missing prerequisites
//! are handled (skip locally, fail in CI).

mod support;

mod config_go_diff;
mod config_goflags;
mod config_oracle;
mod config_vectors;
mod corpus_live;
mod dirhash_vectors;
mod download_cli;
mod download_diff;
mod download_faults;
mod download_interop;
mod download_module;
mod download_query;
mod go_harness;
mod go_through_testproxy;
mod gosum_tests;
mod gosumdb_go;
mod gounicode_tables;
mod gover_vectors;
mod graph_bad;
mod graph_diff;
mod list_m;
mod modfile_edit_go_diff;
mod modfile_fixtures;
mod modfile_go_diff;
mod modfile_vectors;
mod module_go_diff;
mod module_vectors;
mod mvs_vectors;
mod net_http;
mod net_http_retry;
mod net_proxy;
mod net_revinfo;
mod net_server;
mod note_go_diff;
mod note_vectors;
mod pseudo_vectors;
mod semver_vectors;
mod store_go_fills;
mod store_layout;
mod store_locks;
mod store_recovery;
mod store_support;
mod store_we_fill;
mod sumdb_client_cases;
mod sumdb_client_vectors;
mod sumdb_diff;
mod sumdb_live;
mod synth_universe;
mod testdb;
mod testproxy;
mod tlog_go_diff;
mod tlog_vectors;
mod zip_conformance;
mod zip_go_diff;
mod zip_misc;
mod zip_oracle;
mod zipstream_conformance;
mod zipstream_craft;
mod zipstream_go;
mod zipstream_hostile;
mod zipstream_verdict;
