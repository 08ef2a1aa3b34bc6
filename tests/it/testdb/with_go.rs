//! The real `go` against the test checksum database (filled in below).
